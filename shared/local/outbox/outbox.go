// Package outbox is the booking.Mailer of the local server: instead of sending, it writes each
// message as an RFC 5322 .eml file (RFC 5322, MIME per RFC 2045–2049) in a folder, and serves the
// folder as readable pages under /outbox, a route only the local server has.
//
// Like SES it can report that a message bounced or was complained of, so the local server takes
// the same path as a deployment does with SES's events: mail to an address it was told to bounce
// (Bounce, Complain) is written as usual and then reported (Reports). It knows the addresses of
// SES's mailbox simulator from the start ("Using the mailbox simulator", Amazon SES Developer
// Guide): bounce@simulator.amazonses.com bounces for good and complaint@simulator.amazonses.com
// complains, here as on AWS.
package outbox

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// ext is the file extension of a stored message.
const ext = ".eml"

// idTime is the layout of the time an id starts with: UTC, milliseconds, sortable as text.
const idTime = "20060102T150405.000Z"

// Outbox writes messages to a folder, one file each. It is safe for concurrent use.
type Outbox struct {
	dir string
	now func() time.Time

	mu      sync.Mutex
	returns map[string]booking.MailEventKind // lower-case address → what mail to it does
	reports []booking.MailEvent
}

// The addresses of SES's mailbox simulator that the outbox bounces and complains about.
const (
	SimulatorBounce    = "bounce@simulator.amazonses.com"
	SimulatorComplaint = "complaint@simulator.amazonses.com"
)

// Bounce makes every later message to address bounce for good, as an address that does not exist
// does ("Permanent/General", SES's class).
func (o *Outbox) Bounce(address string) { o.set(address, booking.MailBounced) }

// Complain makes every later message to address draw a complaint ("abuse").
func (o *Outbox) Complain(address string) { o.set(address, booking.MailComplained) }

func (o *Outbox) set(address string, kind booking.MailEventKind) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.returns[strings.ToLower(strings.TrimSpace(address))] = kind
}

// Reports returns the bounces and complaints of the messages sent since the last call, oldest
// first, each naming the message's booking (Message.Key) and id, as SES's events do.
func (o *Outbox) Reports() []booking.MailEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.reports
	o.reports = nil
	return out
}

// report records what sending m under id at draws from its recipients.
func (o *Outbox) report(m booking.Message, id string, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, kind := range []booking.MailEventKind{booking.MailBounced, booking.MailComplained} {
		ev := booking.MailEvent{Kind: kind, Key: m.Key, MessageID: id, At: at, Type: "Permanent/General"}
		if kind == booking.MailComplained {
			ev.Type = "abuse"
		}
		for _, to := range m.To {
			if o.returns[strings.ToLower(to)] == kind {
				ev.Recipients = append(ev.Recipients, to)
			}
		}
		if len(ev.Recipients) > 0 {
			o.reports = append(o.reports, ev)
		}
	}
}

var _ booking.Mailer = (*Outbox)(nil)

// Entry describes one stored message.
type Entry struct {
	ID      string    // the file's base name without .eml, as Send returned it
	Time    time.Time // when it was sent, to the millisecond, UTC
	From    string    // the From header, RFC 2047 decoded
	To      string    // the To header, RFC 2047 decoded
	Subject string    // the Subject header, RFC 2047 decoded
}

// New returns an Outbox writing to dir, which it creates if needed. now stamps each message;
// nil means time.Now.
func New(dir string, now func() time.Time) (*Outbox, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox %s: %w", dir, err)
	}
	return &Outbox{dir: dir, now: now, returns: map[string]booking.MailEventKind{
		SimulatorBounce:    booking.MailBounced,
		SimulatorComplaint: booking.MailComplained,
	}}, nil
}

// Send writes m.Raw byte for byte to <dir>/<UTC time YYYYMMDDTHHMMSS.nnnZ>-<random>.eml and
// returns the file's name without .eml. The file appears complete or not at all. The envelope
// (m.From, m.To) is not stored: the message's own headers say who it is for.
func (o *Outbox) Send(ctx context.Context, m booking.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("write message to outbox: %w", err)
	}
	if len(m.Raw) == 0 {
		return "", booking.Permanent(errors.New("write message to outbox: empty message"))
	}
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("write message to outbox: %w", err)
	}
	sent := o.now().UTC()
	id := sent.Format(idTime) + "-" + hex.EncodeToString(r[:])
	if err := o.write(id+ext, m.Raw); err != nil {
		return "", fmt.Errorf("write message %s to outbox: %w", id, err)
	}
	o.report(m, id, sent)
	return id, nil
}

// write writes a temporary file and renames it into place, so readers never see part of it.
func (o *Outbox) write(name string, data []byte) error {
	f, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(o.dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// Read returns the stored message with the id. An id that is not a plain file name is rejected
// with a booking.Invalid error; a missing message is an error wrapping booking.ErrNotFound.
func (o *Outbox) Read(id string) ([]byte, error) {
	if !validID(id) {
		return nil, booking.Errorf(booking.Invalid, "id", "not a message id: %q", id)
	}
	raw, err := os.ReadFile(filepath.Join(o.dir, id+ext))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read message %s: %w", id, booking.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read message %s: %w", id, err)
	}
	return raw, nil
}

// maxID bounds the id Read looks up. Send's ids are 29 characters; a name longer than the file
// system allows (255 bytes) would make the lookup fail with an error rather than "not found".
const maxID = 100

// validID reports whether id names a file directly inside the folder: no separators, no parent
// references, no hidden or temporary files, no name longer than maxID.
func validID(id string) bool {
	return id != "" && len(id) <= maxID && !strings.HasPrefix(id, ".") && !strings.ContainsAny(id, `/\:`+"\x00") &&
		filepath.IsLocal(id) && filepath.Base(id) == id
}

// List returns every stored message, newest first.
func (o *Outbox) List() ([]Entry, error) {
	files, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	var entries []Entry
	for _, f := range files {
		id, ok := strings.CutSuffix(f.Name(), ext)
		if !ok || !f.Type().IsRegular() || !validID(id) {
			continue
		}
		e, err := o.entry(id)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return entries, nil
}

// entry reads the headers of one message.
func (o *Outbox) entry(id string) (Entry, error) {
	f, err := os.Open(filepath.Join(o.dir, id+ext))
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	h, err := textproto.ReadHeader(bufio.NewReader(f))
	if err != nil {
		return Entry{}, fmt.Errorf("read headers of %s: %w", id, err)
	}
	e := Entry{ID: id, Time: idToTime(id)}
	mh := mail.Header{Header: messageHeader(h)}
	// Undecodable words are shown as they are: this is a viewer, not a validator.
	e.From, _ = mh.Text("From")
	e.To, _ = mh.Text("To")
	e.Subject, _ = mh.Subject()
	return e, nil
}

// idToTime returns the time an id starts with, or the zero time for a file named otherwise.
func idToTime(id string) time.Time {
	if len(id) < len(idTime) {
		return time.Time{}
	}
	t, err := time.Parse(idTime, id[:len(idTime)])
	if err != nil {
		return time.Time{}
	}
	return t
}

// decodedHeader returns the header's fields in order with values RFC 2047 decoded.
func decodedHeader(h message.Header) [][2]string {
	var out [][2]string
	for fields := h.Fields(); fields.Next(); {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		out = append(out, [2]string{fields.Key(), v})
	}
	return out
}

func messageHeader(h textproto.Header) message.Header { return message.Header{Header: h} }
