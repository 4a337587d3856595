package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/operator"
)

// pager links the pages of a list.
type pager struct {
	First             bool // this is the first page
	Next              string
	FirstURL, NextURL string
}

func newPager(base url.URL, cursor, next string) pager {
	p := pager{First: cursor == "", Next: next}
	q := base.Query()
	q.Del("cursor")
	q.Del("done")
	base.RawQuery = q.Encode()
	p.FirstURL = base.RequestURI()
	if next != "" {
		q.Set("cursor", next)
		base.RawQuery = q.Encode()
		p.NextURL = base.RequestURI()
	}
	return p
}

// roomsData is the rooms page's.
type roomsData struct {
	Ended bool
	Rooms []operator.Room
	Pager pager
}

// rooms lists the active rooms, soonest first, or with ?state=ended the ended ones.
func (c *Console) rooms(q *request) error {
	state := operator.Active
	if q.r.URL.Query().Get("state") == operator.Ended {
		state = operator.Ended
	}
	cursor := q.r.URL.Query().Get("cursor")
	page, err := c.Operator.Rooms(q.ctx(), operator.RoomsQuery{State: state, Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	title := "Rooms"
	if state == operator.Ended {
		title = "Ended rooms"
	}
	return q.page(c, "rooms", title, "rooms", roomsData{
		Ended: state == operator.Ended,
		Rooms: page.Rooms,
		Pager: newPager(*q.r.URL, cursor, page.NextCursor),
	})
}

// roomData is the room page's.
type roomData struct {
	Room    operator.Room
	HostURL string // only after the operator asked for it
	End     endChooser
	Problem string // why the end could not be moved
}

// CanManage says whether a room can still be extended or deleted by hand.
func (d roomData) CanManage() bool { return d.Room.Kind == "manual" && d.Room.State == operator.Active }

// room shows one room: what it is, its links (the host link only on request) and what an admin
// may do with it.
func (c *Console) room(q *request) error {
	room, err := c.Operator.Room(q.ctx(), q.r.PathValue("roomId"), false)
	if err != nil {
		return err
	}
	return q.showRoom(c, http.StatusOK, roomData{Room: room, End: c.endChooser(q.z, "extend-", "When may the room go now?", "", "", "")})
}

func (q *request) showRoom(c *Console, status int, d roomData) error {
	title := d.Room.Title
	c.render(q.w, status, "room", view{Title: title, Nav: "rooms", Session: &q.s, Notice: notices[q.r.URL.Query().Get("done")], Z: q.z, Data: d})
	return nil
}

// hostLink shows a room's page with its host link, and records that the operator saw it.
func (c *Console) hostLink(q *request) error {
	id := q.r.PathValue("roomId")
	room, err := c.Operator.Room(q.ctx(), id, true)
	if err != nil {
		return err
	}
	if room.HostURL == "" {
		return booking.Errorf(booking.Conflict, "", "This room has no host link to show: it has ended or is still being made.")
	}
	if err := c.Access.Record(q.ctx(), q.s.Operator, access.ActionRoomHostLink, id); err != nil {
		return err // a host link is shown only once its showing is on record
	}
	return q.showRoom(c, http.StatusOK, roomData{Room: room, HostURL: room.HostURL, End: c.endChooser(q.z, "extend-", "When may the room go now?", "", "", "")})
}

// extend moves a hand-made room's end.
func (c *Console) extend(q *request) error {
	id := q.r.PathValue("roomId")
	choice, at := q.form("end"), q.form("endAt")
	end, err := endDate(choice, at, q.z)
	if err == nil {
		err = q.change(c, access.ActionRoomExtend, func(ctx context.Context) (string, error) {
			_, err := c.Operator.ExtendRoom(ctx, id, end)
			return id, err
		})
	}
	if err == nil {
		return q.redirect("/console/rooms/" + url.PathEscape(id) + "?done=extended")
	}
	status, e := public(err)
	if e == nil || status == http.StatusNotFound || status == http.StatusForbidden {
		return err
	}
	room, rerr := c.Operator.Room(q.ctx(), id, false)
	if rerr != nil {
		return rerr
	}
	d := roomData{Room: room, End: c.endChooser(q.z, "extend-", "When may the room go now?", choice, at, "")}
	if e.Field == "endDate" {
		d.End.Error = sentence(e.Message)
	} else {
		d.Problem = sentence(e.Message)
	}
	return q.showRoom(c, status, d)
}

// deleteData is the delete confirmation's.
type deleteData struct {
	Room  operator.Room
	Again bool // the room turned out to be live: ask again
}

// deleteForm asks to confirm deleting a hand-made room; a live one warns that the call ends.
func (c *Console) deleteForm(q *request) error {
	room, err := c.Operator.Room(q.ctx(), q.r.PathValue("roomId"), false)
	if err != nil {
		return err
	}
	if room.Kind != "manual" {
		return booking.Errorf(booking.Conflict, "", "This room belongs to a booking: roomkeeper deletes it after the meeting, or at once when the booking is cancelled.")
	}
	if room.State == operator.Ended {
		return booking.Errorf(booking.Conflict, "", "This room has already been deleted.")
	}
	return q.page(c, "delete", "Delete "+room.Title, "rooms", deleteData{Room: room})
}

// delete deletes a hand-made room. A room someone is in is refused unless the operator
// confirmed a second time (force), which ends the call.
func (c *Console) delete(q *request) error {
	id := q.r.PathValue("roomId")
	force := q.form("force") == "yes"
	err := q.change(c, access.ActionRoomDelete, func(ctx context.Context) (string, error) {
		return id, c.Operator.DeleteRoom(ctx, id, force)
	})
	if errorIs(err, booking.Conflict) && !force {
		room, rerr := c.Operator.Room(q.ctx(), id, false)
		if rerr == nil && room.Live {
			c.render(q.w, http.StatusConflict, "delete", view{Title: "Delete " + room.Title, Nav: "rooms", Session: &q.s, Z: q.z, Data: deleteData{Room: room, Again: true}})
			return nil
		}
	}
	if err != nil {
		return err
	}
	return q.redirect("/console?done=deleted")
}
