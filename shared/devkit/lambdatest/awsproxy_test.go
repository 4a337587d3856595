package lambdatest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// requestBodyKey is the context key of a proxied request's body.
type requestBodyKey struct{}

// backends are the emulator endpoints one AWS proxy forwards to.
type backends struct {
	dynamodb, sqs, sesv2, secretsManager string
}

// awsProxy is one endpoint for every AWS service a function calls: it routes each request to
// its emulator (by X-Amz-Target for the JSON protocols, by path for SES v2's REST API) and counts
// the calls at the emulator side, so a function binary's requests can be counted per function.
// For DynamoDB it also estimates the capacity units each call consumes on an on-demand table
// (see units).
type awsProxy struct {
	URL string

	index *dueIndex

	mu    sync.Mutex
	calls map[string]int // "DynamoDB.PutItem" → calls
	wru   float64
	rru   float64
}

// dueIndex remembers the dueAt last written for each item, to tell how a write changes the "due"
// index. The proxies of one table share it, since every function writes the same items.
type dueIndex struct {
	mu  sync.Mutex
	due map[string]string // pk → dueAt
}

func newDueIndex() *dueIndex { return &dueIndex{due: map[string]string{}} }

// write records an item's new dueAt ("" when the item leaves the index) and returns the index
// write units it costs.
func (d *dueIndex) write(pk, dueAt string) float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	old, was := d.due[pk]
	if dueAt != "" {
		d.due[pk] = dueAt
	} else {
		delete(d.due, pk)
	}
	switch {
	case was && dueAt != "" && old != dueAt:
		return 2 // the old index entry is deleted and a new one written
	case was != (dueAt != ""):
		return 1
	}
	return 0
}

func newAWSProxy(t testing.TB, to backends, index *dueIndex) *awsProxy {
	t.Helper()
	p := &awsProxy{calls: map[string]int{}, index: index}
	target := func(raw string) *url.URL {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("backend %q: %v", raw, err)
		}
		return u
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			amzTarget := r.In.Header.Get("X-Amz-Target")
			switch {
			case strings.HasPrefix(amzTarget, "DynamoDB_"):
				r.SetURL(target(to.dynamodb))
			case strings.HasPrefix(amzTarget, "AmazonSQS."):
				r.SetURL(target(to.sqs))
			case strings.HasPrefix(amzTarget, "secretsmanager."):
				r.SetURL(target(to.secretsManager))
			default:
				r.SetURL(target(to.sesv2))
			}
		},
		ModifyResponse: p.observe,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestBodyKey{}, body)))
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Env returns the variables pointing a function's SDK clients at the proxy.
func (p *awsProxy) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + p.URL,
		"AWS_ENDPOINT_URL_SQS=" + p.URL,
		"AWS_ENDPOINT_URL_SESV2=" + p.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + p.URL,
	}
}

// observe counts one answered call and, for DynamoDB, its capacity units.
func (p *awsProxy) observe(res *http.Response) error {
	req := res.Request
	reqBody, _ := req.Context().Value(requestBodyKey{}).([]byte)
	var name string
	target := req.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "DynamoDB_"):
		name = "DynamoDB." + target[strings.IndexByte(target, '.')+1:]
	case strings.HasPrefix(target, "AmazonSQS."):
		name = "SQS." + strings.TrimPrefix(target, "AmazonSQS.")
	case strings.HasPrefix(target, "secretsmanager."):
		name = "SecretsManager." + strings.TrimPrefix(target, "secretsmanager.")
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/v2/email/outbound-emails"):
		name = "SESv2.SendEmail"
	default:
		name = "other." + req.Method + " " + req.URL.Path
	}
	var resBody []byte
	if strings.HasPrefix(name, "DynamoDB.") {
		var err error
		if resBody, err = io.ReadAll(res.Body); err != nil {
			return err
		}
		res.Body = io.NopCloser(bytes.NewReader(resBody))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[name]++
	if strings.HasPrefix(name, "DynamoDB.") && res.StatusCode == http.StatusOK {
		p.units(strings.TrimPrefix(name, "DynamoDB."), reqBody, resBody)
	}
	return nil
}

// units adds the capacity units of one successful DynamoDB call, as an on-demand table bills
// them (Amazon DynamoDB Developer Guide, "Read and write capacity units"): a write costs one WRU
// per KB of the item, plus the "due" index's writes (KEYS_ONLY: one WRU when an item enters or
// leaves the index, two when its dueAt moves); a strongly consistent GetItem one RRU per 4 KB of
// the item read (at least one); a Query on the index, eventually consistent, half an RRU per
// 4 KB returned (at least half). Item sizes are estimated from the attribute names and values.
// p.mu must be held.
func (p *awsProxy) units(op string, req, res []byte) {
	switch op {
	case "PutItem":
		var in struct {
			Item map[string]json.RawMessage
		}
		if json.Unmarshal(req, &in) != nil {
			return
		}
		p.wru += math.Max(1, math.Ceil(float64(itemSize(in.Item))/1024))
		p.wru += p.index.write(stringAttr(in.Item["pk"]), stringAttr(in.Item["dueAt"]))
	case "DeleteItem", "UpdateItem":
		p.wru++ // the backfill's rewrites and ForgetPerson's deletes, none in a lifecycle; counted at the minimum
	case "GetItem":
		var out struct {
			Item map[string]json.RawMessage
		}
		_ = json.Unmarshal(res, &out)
		p.rru += math.Max(1, math.Ceil(float64(itemSize(out.Item))/4096))
	case "Query", "Scan":
		var out struct {
			Items []map[string]json.RawMessage
		}
		_ = json.Unmarshal(res, &out)
		size := 0
		for _, it := range out.Items {
			size += itemSize(it)
		}
		p.rru += math.Max(0.5, math.Ceil(float64(size)/4096)/2)
	}
}

// itemSize estimates an item's size the way DynamoDB counts it: each attribute's name plus its
// value (strings and binaries by length, numbers about one byte per two digits, maps and lists
// three bytes plus their elements).
func itemSize(item map[string]json.RawMessage) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, val := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(val, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(val, &s)
			return len(s)/2 + 1
		case "B":
			var s string
			_ = json.Unmarshal(val, &s)
			return base64.StdEncoding.DecodedLen(len(s))
		case "BOOL", "NULL":
			return 1
		case "M":
			var m map[string]json.RawMessage
			_ = json.Unmarshal(val, &m)
			n := 3
			for k, e := range m {
				n += len(k) + valueSize(e) + 1
			}
			return n
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(val, &l)
			n := 3
			for _, e := range l {
				n += valueSize(e) + 1
			}
			return n
		}
	}
	return 0
}

func stringAttr(raw json.RawMessage) string {
	var v struct{ S string }
	_ = json.Unmarshal(raw, &v)
	return v.S
}

// usage is what a proxy counted.
type usage struct {
	Calls    map[string]int
	WRU, RRU float64
}

// Usage returns the counts so far.
func (p *awsProxy) Usage() usage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return usage{Calls: maps.Clone(p.calls), WRU: p.wru, RRU: p.rru}
}

// service sums the calls of one service ("DynamoDB", "SQS", "SESv2", "SecretsManager").
func (u usage) service(name string) int {
	n := 0
	for k, c := range u.Calls {
		if strings.HasPrefix(k, name+".") {
			n += c
		}
	}
	return n
}

// add returns u plus v.
func (u usage) add(v usage) usage {
	out := usage{Calls: maps.Clone(u.Calls), WRU: u.WRU + v.WRU, RRU: u.RRU + v.RRU}
	if out.Calls == nil {
		out.Calls = map[string]int{}
	}
	for k, c := range v.Calls {
		out.Calls[k] += c
	}
	return out
}
