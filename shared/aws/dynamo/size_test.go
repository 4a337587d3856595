package dynamo

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/booking"
)

// typicalBooking is the record of a typical booking as the worker leaves it before the meeting:
// an organizer and one guest (generic source, a title and a short description), a Whereby room
// with its host link (a roomKey of Whereby's length), both invitations sent through SES, and
// the first of the default reminders sent, due again at the next.
func typicalBooking() *booking.Booking {
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	end := start.Add(30 * time.Minute)
	made := start.Add(-26*time.Hour + 123456789*time.Nanosecond)
	sent := made.Add(2*time.Second + 987654321*time.Nanosecond)
	key := booking.KeyOf("generic", "bk_7f3a9c2e-41d0-4b8e-9a55-0c1d2e3f4a5b")
	tag := booking.Tag{Key: key, Gen: 1, Deployment: booking.DeploymentTag("production")}.String()
	guestURL := "https://acme.whereby.com/intro-" + tag + "-6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	org := booking.Person{ID: "Xk3v9QpL", Name: "Ada Lovelace", Email: "ada.lovelace@example.com", TimeZone: "Europe/Oslo", Locale: "en"}
	guest := booking.Person{ID: "m2Rt7YwB", Name: "Bob Guest", Email: "bob.guest@example.net", TimeZone: "America/New_York", Locale: "en-US"}
	return &booking.Booking{
		Key: key, Source: "generic", ExternalID: "bk_7f3a9c2e-41d0-4b8e-9a55-0c1d2e3f4a5b",
		UID: "3f9c2a1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c", Version: 6, Status: booking.Confirmed,
		Details: booking.Details{
			Title: "Intro call", Description: "A first talk about the project: goals, timeline and next steps.",
			Start: start, End: end, TimeZone: "Europe/Oslo",
			Organizer: org, Attendees: []booking.Person{guest},
			Room:              booking.RoomOptions{Provider: "whereby", Size: booking.Small, NamePrefix: "intro-"},
			OrganizerCalendar: true,
		},
		Sequence: 0, LastEventAt: made.Add(-time.Second), CreatedAt: made, UpdatedAt: start.Add(-time.Hour),
		Room: &booking.Room{
			Provider: "whereby", ID: "87673375", Name: "/intro-" + tag + "-6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", Tag: tag,
			GuestURL: guestURL,
			HostURL: guestURL + "?roomKey=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtZWV0aW5nSWQiOiI4NzY3MzM3NSIsInJvb21LZXlUeXBlIjoibWVldGluZ0hv" +
				"c3QiLCJzdWJkb21haW4iOiJhY21lIiwiaWF0IjoxNzk1NDAwMDAwfQ.Qm9vdFN0cmFwU2lnbmF0dXJlRm9yVGhlSG9zdEtleVhZWjEyMw",
			ExpiresAt: end.Add(168 * time.Hour), CreatedAt: sent.Add(-time.Second),
			Options: booking.RoomOptions{Provider: "whereby", Size: booking.Small, NamePrefix: "intro-"},
			End:     end, Checked: booking.RoomCheck{At: sent.Add(-time.Second), Start: start, End: end},
		},
		RoomGen: 1,
		Invites: []booking.Invite{
			{Person: org, Organizer: true, Sequence: 0, Method: booking.Request, SentAt: sent,
				MessageID: "0100019a7b2f3a4e-5f2b6f0e-4f0a-4b8f-9d2a-3b1c2d3e4f5a-000000", Reminded: 1440},
			{Person: guest, Sequence: 0, Method: booking.Request, SentAt: sent.Add(180 * time.Millisecond),
				MessageID: "0100019a7b2f3b1c-8e7d6c5b-4a3f-4e2d-8c1b-0a9f8e7d6c5b-000000", Reminded: 1440},
		},
		RemindFrom: made,
		DueAt:      start.Add(-time.Hour),
		ExpiresAt:  end.Add(720 * time.Hour),
	}
}

// itemSize is an item's size as DynamoDB bills it: each attribute's name and value in bytes
// (a number about one byte per two digits, plus one).
func itemSize(t testing.TB, item map[string]types.AttributeValue) int {
	t.Helper()
	n := 0
	for name, v := range item {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += (len(v.Value)+1)/2 + 1
		case *types.AttributeValueMemberBOOL:
			n++
		default:
			t.Fatalf("attribute %s: unexpected %T", name, v)
		}
	}
	return n
}

func TestTypicalBookingItemSize(t *testing.T) {
	item, err := encode(typicalBooking())
	require.NoError(t, err)
	size := itemSize(t, item)
	require.Contains(t, item, DueAtAttr, "measured with its index attributes")
	t.Logf("typical booking item: %d bytes", size)
	require.LessOrEqual(t, size, 1024, "a typical booking is billed one WRU per write: "+strconv.Itoa(size)+" bytes")
}

// TestItemsWrittenBeforeStillRead: a booking item written before compression holds its JSON in
// the string attribute "data"; it reads as before, and its next Put writes it compressed.
func TestItemsWrittenBeforeStillRead(t *testing.T) {
	ctx := t.Context()
	s, client, table := newStore(t)
	b := typicalBooking()
	b.Embedded.Apply(booking.RoomEvent{Kind: booking.Joined, At: b.Details.Start, RoomID: b.Room.ID, ParticipantID: "p1", Name: "Bob Guest"})
	data, err := json.Marshal(b)
	require.NoError(t, err)
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		KeyAttr: str(bookingPrefix + b.Key), versionAttr: num(b.Version), dataAttr: str(string(data)),
	}})
	require.NoError(t, err)

	got, err := s.Get(ctx, b.Key)
	require.NoError(t, err)
	assert.Equal(t, normalizedJSON(t, b), normalizedJSON(t, got))
	require.NoError(t, booking.LoadActivity(ctx, s, got))
	require.Len(t, got.Activity.Connections, 1, "its embedded activity is read")

	require.NoError(t, s.Put(ctx, got))
	item := rawItem(t, client, table, bookingPrefix+b.Key)
	assert.NotContains(t, item, dataAttr, "written compressed")
	require.Contains(t, item, packedAttr)
	again, err := s.Get(ctx, b.Key)
	require.NoError(t, err)
	assert.Equal(t, got.Embedded, again.Embedded)
}

func normalizedJSON(t *testing.T, b *booking.Booking) string {
	t.Helper()
	data, err := json.Marshal(b)
	require.NoError(t, err)
	return string(data)
}

// BenchmarkBookingItem measures encoding and decoding the typical booking's item, as JSON in a
// string attribute (before) and compressed (now), and reports the item's size.
func BenchmarkBookingItem(b *testing.B) {
	bk := typicalBooking()
	// The item as it was written before: the same attributes, the JSON as a string.
	json1 := func(bk *booking.Booking) map[string]types.AttributeValue {
		next := *bk
		next.Version++
		data, _ := json.Marshal(&next)
		item := map[string]types.AttributeValue{KeyAttr: str(bookingPrefix + bk.Key), versionAttr: num(next.Version), dataAttr: str(string(data))}
		item[ExpiresAttr] = num(bk.ExpiresAt.Unix())
		item[DueShardAttr] = str(strconv.Itoa(shardOf(bk.Key, DueShards)))
		item[DueAtAttr] = str(booking.Position(bk.DueAt, bk.Key))
		part, sort, _ := listAttrs(bk)
		item[ListPartAttr], item[ListSortAttr] = str(part), str(sort)
		return item
	}
	packed, err := encode(bk)
	if err != nil {
		b.Fatal(err)
	}
	plain := json1(bk)
	for _, c := range []struct {
		name   string
		encode func() map[string]types.AttributeValue
		item   map[string]types.AttributeValue
	}{
		{"json", func() map[string]types.AttributeValue { return json1(bk) }, plain},
		{"flate", func() map[string]types.AttributeValue { item, _ := encode(bk); return item }, packed},
	} {
		b.Run("encode-"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.encode()
			}
			b.ReportMetric(float64(itemSize(b, c.item)), "item-B")
		})
		b.Run("decode-"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(c.item); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
