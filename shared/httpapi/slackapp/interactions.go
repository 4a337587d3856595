package slackapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// interactions serves the app's buttons and the Create Room dialog's submission.
func (a *App) interactions(w http.ResponseWriter, r *http.Request) {
	log := httpapi.RequestLog(a.Log, r).With("route", "slack.interactions")
	body, ok := a.verified(w, r, log)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	var cb slack.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &cb)
	}
	if err != nil {
		httpapi.WriteError(w, log, booking.Errorf(booking.Invalid, "payload", "is not an interaction payload"))
		return
	}
	ctx := r.Context()
	log = log.With("user", cb.User.ID, "type", string(cb.Type))
	if cb.Team.ID != a.TeamID {
		httpapi.WriteError(w, log, roomsapp.ErrOtherTeam)
		return
	}
	id := "interaction:" + cb.TriggerID
	if first, err := a.first(ctx, id); err != nil || !first {
		if err != nil {
			httpapi.WriteError(w, log, booking.Outage(err))
		}
		return
	}
	c, err := a.Slack.Client(ctx)
	if err != nil {
		httpapi.WriteError(w, log, booking.Outage(err))
		return
	}
	m, err := a.Member(ctx, c, cb.Team.ID, cb.User.ID)
	if err != nil {
		if cb.Type == slack.InteractionTypeViewSubmission {
			httpapi.WriteJSON(w, http.StatusOK, slack.NewErrorsViewSubmissionResponse(map[string]string{roomsapp.InSize: a.Reason(log, err)}))
			return
		}
		a.Tell(ctx, log, c, cb.User.ID, cb.ResponseURL, a.Reason(log, err))
		return
	}
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != roomsapp.CreateCallback {
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := roomsapp.RequireAdmin(m); err != nil {
			httpapi.WriteJSON(w, http.StatusOK, slack.NewErrorsViewSubmissionResponse(map[string]string{roomsapp.InSize: a.Reason(log, err)}))
			return
		}
		req := dialogRoom(cb.View.State)
		if err := a.Operator.CheckRoom(req); err != nil {
			httpapi.WriteJSON(w, http.StatusOK, slack.NewErrorsViewSubmissionResponse(map[string]string{dialogBlock(err, req): a.Reason(log, err)}))
			return
		}
		// Making the room may take longer than Slack waits: the dialog closes now, and the
		// job tells its maker the links in a direct message.
		if err := a.Jobs.EnqueueSlack(ctx, roomsapp.Job{Kind: roomsapp.JobCreate, Member: m, Room: &req, Key: "slack-" + cb.View.ID}); err != nil {
			httpapi.WriteJSON(w, http.StatusOK, slack.NewErrorsViewSubmissionResponse(map[string]string{roomsapp.InSize: a.Reason(log, booking.Outage(err))}))
			return
		}
		a.answered(ctx, id)
		w.WriteHeader(http.StatusOK)
	case slack.InteractionTypeBlockActions:
		for _, act := range cb.ActionCallback.BlockActions {
			a.action(w, r, cb, m, act)
			a.answered(ctx, id)
			return // Slack sends one action per interaction
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// action answers one button: Create Room opens the dialog at once; View sessions, Participants
// and Delete are for admins and finished by a job; Join is a link, nothing to do.
func (a *App) action(w http.ResponseWriter, r *http.Request, cb slack.InteractionCallback, m roomsapp.Member, act *slack.BlockAction) {
	ctx := r.Context()
	log := httpapi.RequestLog(a.Log, r).With("route", "slack.interactions", "user", m.ID, "action", act.ActionID)
	job := roomsapp.Job{Member: m, ResponseURL: cb.ResponseURL}
	switch act.ActionID {
	case roomsapp.ActCreate:
		if err := roomsapp.RequireAdmin(m); err != nil {
			a.refuse(w, r, cb, m, err)
			return
		}
		if _, err := a.clientOpen(r, cb.TriggerID); err != nil {
			a.refuse(w, r, cb, m, err)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	case roomsapp.ActSessions:
		job.Kind, job.RoomID = roomsapp.JobSessions, act.Value
	case roomsapp.ActParticipants:
		job.Kind = roomsapp.JobParticipants
		job.RoomID, job.SessionID, _ = strings.Cut(act.Value, " ")
	case roomsapp.ActDelete:
		job.Kind, job.RoomID = roomsapp.JobDelete, act.Value
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := roomsapp.RequireAdmin(m); err != nil {
		a.refuse(w, r, cb, m, err)
		return
	}
	if err := a.Jobs.EnqueueSlack(ctx, job); err != nil {
		a.refuse(w, r, cb, m, booking.Outage(err))
		return
	}
	log.Info("slack job queued", "job", job.Kind)
	w.WriteHeader(http.StatusOK)
}

// clientOpen opens the Create Room dialog.
func (a *App) clientOpen(r *http.Request, triggerID string) (*slack.ViewResponse, error) {
	c, err := a.Slack.Client(r.Context())
	if err != nil {
		return nil, booking.Outage(err)
	}
	v, err := c.OpenViewContext(r.Context(), triggerID, roomsapp.CreateDialog())
	if err != nil {
		return nil, booking.Outage(err)
	}
	return v, nil
}

// refuse acknowledges a button and tells the member why nothing happened.
func (a *App) refuse(w http.ResponseWriter, r *http.Request, cb slack.InteractionCallback, m roomsapp.Member, err error) {
	log := httpapi.RequestLog(a.Log, r).With("route", "slack.interactions", "user", m.ID)
	w.WriteHeader(http.StatusOK)
	c, cerr := a.Slack.Client(r.Context())
	if cerr != nil {
		log.Error("answering in Slack failed", "err", cerr)
		return
	}
	a.Tell(r.Context(), log, c, m.ID, cb.ResponseURL, a.Reason(log, err))
}

// dialogRoom reads the Create Room dialog's answers.
func dialogRoom(state *slack.ViewState) operator.NewRoom {
	var req operator.NewRoom
	if state == nil {
		return req
	}
	v := func(id string) slack.BlockAction { return state.Values[id][id] }
	req.Size = v(roomsapp.InSize).SelectedOption.Value
	req.Title = strings.TrimSpace(v(roomsapp.InTitle).Value)
	req.NamePrefix = strings.TrimSpace(v(roomsapp.InPrefix).Value)
	req.EndDate = v(roomsapp.InEnd).SelectedOption.Value
	if at := v(roomsapp.InEndAt).SelectedDateTime; at > 0 {
		req.EndDate = time.Unix(at, 0).UTC().Format(time.RFC3339)
	}
	for _, o := range v(roomsapp.InOptions).SelectedOptions {
		switch o.Value {
		case "dialIn":
			req.DialIn = true
		case "locked":
			req.Locked = true
		}
	}
	return req
}

// dialogBlock is the dialog input an operator error is about.
func dialogBlock(err error, req operator.NewRoom) string {
	var e *booking.Error
	if !errors.As(err, &e) {
		return roomsapp.InSize
	}
	switch e.Field {
	case "title":
		return roomsapp.InTitle
	case "namePrefix":
		return roomsapp.InPrefix
	case "endDate":
		if strings.HasPrefix(req.EndDate, "+") {
			return roomsapp.InEnd
		}
		return roomsapp.InEndAt
	}
	return roomsapp.InSize
}
