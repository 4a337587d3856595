package slackapp

import (
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack/slackevents"

	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/chat/roomsapp"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
)

// events serves the Events API (https://api.slack.com/apis/events-api): the URL check, the Home
// tab being opened and room links posted. Each event is acknowledged at once and finished by a
// job; a retry of an event already queued (the same event_id) is acknowledged with nothing new.
func (a *App) events(w http.ResponseWriter, r *http.Request) {
	log := httpapi.RequestLog(a.Log, r).With("route", "slack.events")
	body, ok := a.verified(w, r, log)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		httpapi.WriteError(w, log, booking.Errorf(booking.Invalid, "", "not an Events API event"))
		return
	}
	ctx := r.Context()
	switch ev.Type {
	case slackevents.URLVerification:
		var v slackevents.EventsAPIURLVerificationEvent
		if err := json.Unmarshal(body, &v); err != nil || v.Challenge == "" {
			httpapi.WriteError(w, log, booking.Errorf(booking.Invalid, "challenge", "is missing"))
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"challenge": v.Challenge})
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	if ev.TeamID != a.TeamID {
		httpapi.WriteError(w, log, roomsapp.ErrOtherTeam)
		return
	}
	outer, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if outer == nil || outer.EventID == "" {
		httpapi.WriteError(w, log, booking.Errorf(booking.Invalid, "event_id", "is missing"))
		return
	}
	id := "event:" + outer.EventID
	log = log.With("event", outer.EventID, "retry", r.Header.Get("X-Slack-Retry-Num"))
	if first, err := a.first(ctx, id); err != nil || !first {
		if err != nil {
			httpapi.WriteError(w, log, booking.Outage(err))
			return
		}
		log.Info("slack retry of an event already taken")
		w.WriteHeader(http.StatusOK)
		return
	}
	var job roomsapp.Job
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" {
			break
		}
		job = roomsapp.Job{Kind: roomsapp.JobHome, Member: roomsapp.Member{ID: e.User}}
	case *slackevents.LinkSharedEvent:
		links := make([]string, 0, len(e.Links))
		for _, l := range e.Links {
			links = append(links, l.URL)
		}
		job = roomsapp.Job{Kind: roomsapp.JobUnfurl, Member: roomsapp.Member{ID: e.User}, Channel: e.Channel, MessageTS: e.MessageTimeStamp, Links: links}
	}
	if job.Kind != "" {
		if err := a.Jobs.EnqueueSlack(ctx, job); err != nil {
			httpapi.WriteError(w, log, booking.Outage(err)) // Slack retries it
			return
		}
	}
	a.answered(ctx, id)
	w.WriteHeader(http.StatusOK)
}
