package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// sesRecorders maps an endpoint SESLocal returned to the recorder behind it.
var sesRecorders sync.Map // string → *sesRecorder

// SESLocal starts a new, empty aws-ses-v2-local (node_modules/aws-ses-v2-local,
// github.com/domdomegg/aws-ses-v2-local) on a free loopback port and returns an endpoint URL
// ("http://127.0.0.1:port") for AWSConfig. The emulator and the proxy below are stopped at
// t.Cleanup.
//
// The endpoint is a recording proxy in front of the emulator: it forwards every request and answer
// unchanged, and for each SES v2 SendEmail with Raw content that the emulator accepts it keeps the
// decoded Content.Raw.Data under the MessageId the emulator returned (SESRaw). The proxy exists
// because aws-ses-v2-local keeps no raw bytes: it parses a Raw message with mailparser and stores
// only the fields SESMessages returns, and GET /get-emlContent (SESRebuilt) builds a new message
// from those with nodemailer. What that loses is listed at SESRebuilt.
func SESLocal(t testing.TB) string {
	t.Helper()
	spec := NodeSpec(t, "aws-ses-v2-local", "aws-ses-v2-local/dist/cli.js", func(port int) []string {
		return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port)}
	})
	spec.Ready = func(ctx context.Context, addr string) error {
		return httpOK(ctx, "http://"+addr+"/health-check")
	}
	target := &url.URL{Scheme: "http", Host: Start(t, spec)}

	rec := &sesRecorder{raw: map[string][]byte{}, tags: map[string]map[string]string{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = rec.record
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Keep the request body for record, which sees the answer.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestBodyKey{}, body)))
	}))
	endpoint := srv.URL
	sesRecorders.Store(endpoint, rec)
	t.Cleanup(func() {
		sesRecorders.Delete(endpoint)
		srv.Close()
	})
	return endpoint
}

// requestBodyKey is the context key of a proxied request's body.
type requestBodyKey struct{}

// sesRecorder keeps the raw messages the emulator accepted, and their EmailTags, by MessageId.
type sesRecorder struct {
	mu   sync.Mutex
	raw  map[string][]byte
	tags map[string]map[string]string
}

// record runs on every answer from the emulator; it keeps the raw message of an accepted
// SendEmail. Request and answer bodies are read and put back untouched.
func (r *sesRecorder) record(res *http.Response) error {
	req := res.Request
	reqBody, _ := req.Context().Value(requestBodyKey{}).([]byte)
	if req.Method != http.MethodPost || req.URL.Path != "/v2/email/outbound-emails" || res.StatusCode != http.StatusOK {
		return nil
	}
	var in struct {
		Content struct {
			Raw *struct{ Data []byte } // base64 on the wire
		}
		EmailTags []struct{ Name, Value string }
	}
	if err := json.Unmarshal(reqBody, &in); err != nil || in.Content.Raw == nil {
		return nil // not a Raw send: nothing to keep
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return err
	}
	var out struct{ MessageId string }
	if json.Unmarshal(body, &out) != nil || out.MessageId == "" {
		return nil
	}
	r.mu.Lock()
	r.raw[out.MessageId] = in.Content.Raw.Data
	if len(in.EmailTags) > 0 {
		tags := map[string]string{}
		for _, tag := range in.EmailTags {
			tags[tag.Name] = tag.Value
		}
		r.tags[out.MessageId] = tags
	}
	r.mu.Unlock()
	return nil
}

// SESMessage is one message as aws-ses-v2-local stores it (GET /store). For Raw content every
// field comes from parsing the message with mailparser: addresses as display text
// (`"Name" <addr>`), RFC 2047 decoded; the text and HTML bodies decoded, with CRLF turned into LF;
// every other leaf part (the text/calendar part included) as an attachment. Date, Message-ID and
// all other header fields are not stored, nor any Content-Type parameter (charset, method).
type SESMessage struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	Attachments []SESAttachment `json:"attachments"`
	// Headers are stored for Simple and Template content only.
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	At int64 `json:"at"` // when the emulator received it, Unix seconds
}

// SESAttachment is one stored attachment: for Raw content, one MIME leaf part that is not the
// text or HTML body.
type SESAttachment struct {
	Content            []byte `json:"content"`     // decoded part body
	ContentType        string `json:"contentType"` // media type without parameters
	ContentDisposition string `json:"contentDisposition"`
	Filename           string `json:"filename"`
	// PartID is the part's position in the MIME tree, as in IMAP: "1.3" is the third part of the
	// first part. Raw content only.
	PartID   string `json:"partId"`
	Size     int    `json:"size"`
	Checksum string `json:"checksum"` // MD5 of Content, hex; Raw content only
}

// SESMessages returns every message the emulator behind endpoint (SESLocal) has stored, oldest
// first.
func SESMessages(t testing.TB, endpoint string) []SESMessage {
	t.Helper()
	var store struct {
		Emails []SESMessage `json:"emails"`
	}
	getJSON(t, endpoint+"/store", &store)
	return store.Emails
}

// SESRaw returns the exact bytes of the Raw message the emulator behind endpoint (SESLocal)
// accepted and stored under messageID: what a SendEmail call carried in Content.Raw.Data, captured
// on the way in. It fails t if the emulator stored no such message or it was not sent as Raw.
func SESRaw(t testing.TB, endpoint, messageID string) []byte {
	t.Helper()
	v, ok := sesRecorders.Load(endpoint)
	if !ok {
		t.Fatalf("%s is not an endpoint SESLocal returned in this test", endpoint)
	}
	sesMessage(t, endpoint, messageID)
	rec := v.(*sesRecorder)
	rec.mu.Lock()
	raw, ok := rec.raw[messageID]
	rec.mu.Unlock()
	if !ok {
		t.Fatalf("SES message %s was not sent with Raw content", messageID)
	}
	return bytes.Clone(raw)
}

// SESTags returns the EmailTags a SendEmail call gave the message the emulator behind endpoint
// (SESLocal) stored under messageID, by name: what SES would hand back in the events it
// publishes about the message (aws-ses-v2-local accepts them and keeps none). It fails t if the
// emulator stored no such message or it was not sent as Raw.
func SESTags(t testing.TB, endpoint, messageID string) map[string]string {
	t.Helper()
	SESRaw(t, endpoint, messageID)
	v, _ := sesRecorders.Load(endpoint)
	rec := v.(*sesRecorder)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return maps.Clone(rec.tags[messageID])
}

// SESRebuilt returns what the emulator's raw-message endpoint, GET /get-emlContent, answers for a
// stored message: not the bytes it received but a new message that nodemailer builds from the
// stored fields (SESMessage). For a Raw message the rebuilt copy keeps From, To, Cc, Reply-To and
// Subject (re-encoded), and the text and HTML bodies (re-encoded quoted-printable, with LF line
// endings, charset in lower case). It loses:
//   - the Date (replaced by the time the emulator received the message) and Message-ID (a new one);
//   - every other header field the sender set, and the order of fields;
//   - the MIME tree: every non-body part becomes a part of the top multipart/mixed, so the
//     text/calendar part leaves multipart/alternative;
//   - every Content-Type parameter of those parts: text/calendar loses method=REQUEST and charset,
//     and gets name=attachment-<n>.ics, and a Content-Disposition of attachment with that file
//     name if it had no disposition;
//   - the attachment bodies themselves: they come back base64-encoded twice, so decoding the part
//     yields the base64 text of the original bytes, not the bytes (aws-ses-v2-local 2.10.2 stores
//     mailparser's content as a base64 string and hands it to nodemailer without encoding: base64).
//
// It fails t if the emulator stored no message under messageID (asking the emulator about an
// unknown id would crash it).
func SESRebuilt(t testing.TB, endpoint, messageID string) []byte {
	t.Helper()
	sesMessage(t, endpoint, messageID)
	var eml struct {
		Body struct {
			Data []int `json:"data"` // a serialised Node.js Buffer
		} `json:"body"`
	}
	getJSON(t, endpoint+"/get-emlContent?messageId="+url.QueryEscape(messageID), &eml)
	out := make([]byte, len(eml.Body.Data))
	for i, b := range eml.Body.Data {
		out[i] = byte(b)
	}
	return out
}

// sesMessage returns the stored message with the id, failing t if there is none.
func sesMessage(t testing.TB, endpoint, messageID string) SESMessage {
	t.Helper()
	for _, m := range SESMessages(t, endpoint) {
		if m.MessageID == messageID {
			return m
		}
	}
	t.Fatalf("the SES emulator stored no message %q", messageID)
	return SESMessage{}
}

// getJSON decodes the JSON answer of a GET, failing t unless it is a 200.
func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, res.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode %s: %v", url, fmt.Sprintf("%.200s", body), err)
	}
}
