package dynamo

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// A booking item holds the booking as JSON compressed with DEFLATE (RFC 1951, compress/flate)
// in the binary attribute "z": one format byte, then the compressed JSON. DynamoDB bills a write
// per started kilobyte of the item, and a typical booking's JSON (2.4 KB) compresses to well
// under one. Items written before hold the JSON as is, in the string attribute "data"; they are
// read as they are, and written compressed at their next Put.
const (
	packedAttr = "z"
	// packedV1 is the format byte of DEFLATE with packDictV1 as the preset dictionary.
	packedV1 byte = 1
)

// packDictV1 is the preset dictionary of format 1: the JSON a booking record is made of (field
// names and common values, the commonest last, where DEFLATE reaches them most cheaply), so that
// even the first occurrence of each in a record costs a short back-reference. It must never
// change: items written with it are read with it. A better dictionary is a new format byte.
const packDictV1 = `"version":"aliasOf":"uninvited":[],"cancelReason":"","reminders":[],"creating":{"retired":[],"ended":[],"deletedAt":"","vanished":true,"counted":true,` +
	`"failure":{"message":"","kind":"","permanent":true,"notified":true},"attempts":"possibleDuplicates":"notices":[{"id":"msg_","type":"room.ready","body":{},"nextAt":"","dropped":"","error":""}],` +
	`"summary":{"pendingAt":"","sentAt":"","messageId":"","dropped":""},"request":"","lease":{"owner":"","until":""},"activity":{"knockNoticeAt":"","hostSeenAt":""},` +
	`"mailProblem":{"kind":"bounced","type":"Permanent/General","pending":{"sequence":0,"method":"CANCEL","at":""},"remindPending":` +
	`"dialIn":{"numbers":[{"e164":"+","country":"","tel":"tel:+"}],"code":"","passcode":""},"provider":"zoom","size":"large","dialIn":true,"locked":true},` +
	`{"key":"","source":"calcom","externalId":"","uid":"","status":"confirmed","details":{"title":"","description":"","start":"","end":"","timeZone":"Europe/","organizer":` +
	`{"id":"","name":"","email":"@gmail.com","timeZone":"America/","locale":"en"},"attendees":[{"id":"","name":"","email":"@example.com","timeZone":"UTC","locale":"en-US"}],` +
	`"room":{"provider":"whereby","size":"small","namePrefix":""},"organizerCalendar":true},"sequence":0,"lastEventAt":"","createdAt":"","updatedAt":"",` +
	`"room":{"provider":"whereby","id":"","name":"/","tag":"rk","guestUrl":"https://","hostUrl":"?roomKey=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ","expiresAt":"","createdAt":"",` +
	`"options":{"provider":"whereby","size":"small"},"end":"","checked":{"at":"","start":"","end":""}},"roomGen":1,` +
	`"invites":[{"id":"","name":"","email":"","timeZone":"","locale":"","organizer":true,"sequence":0,"method":"REQUEST","sentAt":"","messageId":"0100019","reminded":1440},` +
	`{"id":"","name":"","email":"","timeZone":"","sequence":0,"method":"REQUEST","sentAt":"","messageId":"0100019","reminded":60}],` +
	`"remindFrom":"","dueAt":"","expiresAt":"":"2026-12-T00:00:00.000000000Z"`

var (
	packers = sync.Pool{New: func() any {
		w, err := flate.NewWriterDict(nil, flate.DefaultCompression, []byte(packDictV1))
		if err != nil {
			panic(err) // only for a bad level
		}
		return w
	}}
	unpackers = sync.Pool{New: func() any { return flate.NewReaderDict(nil, []byte(packDictV1)) }}
)

// pack returns data in the format of the "z" attribute.
func pack(data []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(data)/2 + 1)
	buf.WriteByte(packedV1)
	w := packers.Get().(*flate.Writer)
	defer packers.Put(w)
	w.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(data)
	_ = w.Close()
	return buf.Bytes()
}

// unpack reverses pack.
func unpack(packed []byte) ([]byte, error) {
	if len(packed) == 0 || packed[0] != packedV1 {
		return nil, fmt.Errorf("unknown format of attribute %q", packedAttr)
	}
	r := unpackers.Get().(io.ReadCloser)
	defer unpackers.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(packed[1:]), []byte(packDictV1)); err != nil {
		return nil, fmt.Errorf("attribute %q: %w", packedAttr, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", packedAttr, err)
	}
	return data, nil
}
