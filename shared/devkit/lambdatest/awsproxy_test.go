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
	dynamodb, sqs, sesv2, secretsManager, lambda string
}

// awsProxy is one endpoint for every AWS service a function calls: it routes each request to
// its emulator (by X-Amz-Target for the JSON protocols, by path for the REST APIs of SES v2 and
// Lambda's Invoke) and counts
// the calls at the emulator side, so a function binary's requests can be counted per function.
// For DynamoDB it also estimates the capacity units each call consumes on an on-demand table
// (see units).
type awsProxy struct {
	URL string

	index *indexModel

	mu       sync.Mutex
	calls    map[string]int // "DynamoDB.PutItem" → calls
	wru      float64
	indexWRU float64 // the part of wru that is the indexes' writes
	rru      float64
}

// indexModel remembers, for each item written, its keys in the "due" and "list" indexes and its
// size, to tell how a write changes the indexes and what the table holds at the end. The proxies
// of one table share it, since every function writes the same items.
type indexModel struct {
	mu   sync.Mutex
	due  map[string]string // pk → dueAt
	list map[string]string // pk → listPart, NUL, listSort
	size map[string]int    // pk → the item's size, for the items not deleted
}

func newIndexModel() *indexModel {
	return &indexModel{due: map[string]string{}, list: map[string]string{}, size: map[string]int{}}
}

// write records an item's new size and index keys ("" when it is not in an index) and returns
// the index write units it costs.
func (m *indexModel) write(pk string, size int, dueAt, list string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.size[pk] = size
	return moved(m.due, pk, dueAt) + moved(m.list, pk, list)
}

// delete records an item's deletion and returns the index write units it costs.
func (m *indexModel) delete(pk string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.size, pk)
	return moved(m.due, pk, "") + moved(m.list, pk, "")
}

// moved records pk's new key in one index ("": out of it) and returns the index's write units:
// a KEYS_ONLY index writes one entry when an item enters or leaves it, two when its key changes
// (the old entry deleted, a new one written), none otherwise.
func moved(index map[string]string, pk, key string) float64 {
	old, was := index[pk]
	if key != "" {
		index[pk] = key
	} else {
		delete(index, pk)
	}
	switch {
	case was && key != "" && old != key:
		return 2
	case was != (key != ""):
		return 1
	}
	return 0
}

// stored returns the bytes the table holds as DynamoDB bills its storage: each item's size plus
// 100 bytes, and each index entry's keys and the table's key plus 100 bytes.
func (m *indexModel) stored() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for pk, size := range m.size {
		n += size + 100
		if due, ok := m.due[pk]; ok {
			n += len("pk"+pk) + len("dueShard"+"15") + len("dueAt"+due) + 100
		}
		if list, ok := m.list[pk]; ok {
			n += len("pk"+pk) + len("listPart"+"listSort"+list) - 1 + 100
		}
	}
	return n
}

func newAWSProxy(t testing.TB, to backends, index *indexModel) *awsProxy {
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
			case strings.HasPrefix(r.In.URL.Path, lambdaFunctions):
				r.SetURL(target(to.lambda))
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
		"AWS_ENDPOINT_URL_LAMBDA=" + p.URL,
	}
}

// lambdaFunctions begins the paths of Lambda's function operations, Invoke among them.
const lambdaFunctions = "/2015-03-31/functions/"

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
	case req.Method == http.MethodPost && strings.HasPrefix(req.URL.Path, lambdaFunctions) && strings.HasSuffix(req.URL.Path, "/invocations"):
		name = "Lambda.Invoke"
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
// per KB of the item, plus the "due" and "list" indexes' writes (KEYS_ONLY: one WRU when an item
// enters or leaves an index, two when its key there changes); a GetItem one RRU per 4 KB of the
// item read (at least one) when strongly consistent (ConsistentRead), half that when not, and
// each item of a BatchGetItem likewise; a Query on the index, eventually consistent, half an RRU
// per 4 KB returned (at least half). Item sizes are estimated from the attribute names and values.
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
		size := itemSize(in.Item)
		p.wru += math.Max(1, math.Ceil(float64(size)/1024))
		var list string
		if part := stringAttr(in.Item["listPart"]); part != "" {
			list = part + "\x00" + stringAttr(in.Item["listSort"])
		}
		index := p.index.write(stringAttr(in.Item["pk"]), size, stringAttr(in.Item["dueAt"]), list)
		p.wru += index
		p.indexWRU += index
	case "DeleteItem":
		var in struct {
			Key map[string]json.RawMessage
		}
		if json.Unmarshal(req, &in) != nil {
			return
		}
		index := p.index.delete(stringAttr(in.Key["pk"]))
		p.wru += 1 + index // counted at the minimum
		p.indexWRU += index
	case "UpdateItem":
		p.wru++ // the backfill's rewrites, none in a lifecycle; counted at the minimum
	case "GetItem":
		var in struct{ ConsistentRead bool }
		var out struct {
			Item map[string]json.RawMessage
		}
		_ = json.Unmarshal(req, &in)
		_ = json.Unmarshal(res, &out)
		p.rru += readUnits(itemSize(out.Item), in.ConsistentRead)
	case "BatchGetItem":
		var in struct {
			RequestItems map[string]struct{ ConsistentRead bool }
		}
		var out struct {
			Responses map[string][]map[string]json.RawMessage
		}
		_ = json.Unmarshal(req, &in)
		_ = json.Unmarshal(res, &out)
		for table, items := range out.Responses {
			for _, it := range items {
				p.rru += readUnits(itemSize(it), in.RequestItems[table].ConsistentRead)
			}
		}
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

// readUnits is what reading one item of size bytes costs: an RRU per 4 KB, at least one, when
// strongly consistent; half when eventually consistent.
func readUnits(size int, consistent bool) float64 {
	units := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		units /= 2
	}
	return units
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
	IndexWRU float64 // the part of WRU that is the indexes' writes
}

// Usage returns the counts so far.
func (p *awsProxy) Usage() usage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return usage{Calls: maps.Clone(p.calls), WRU: p.wru, RRU: p.rru, IndexWRU: p.indexWRU}
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
	out := usage{Calls: maps.Clone(u.Calls), WRU: u.WRU + v.WRU, RRU: u.RRU + v.RRU, IndexWRU: u.IndexWRU + v.IndexWRU}
	if out.Calls == nil {
		out.Calls = map[string]int{}
	}
	for k, c := range v.Calls {
		out.Calls[k] += c
	}
	return out
}

// TestIndexModelCountsBothIndexesWrites checks the capacity model's index writes: a booking item
// enters the due and list indexes, moves in each, leaves them; a person item enters the list
// index once, however often it is written again.
func TestIndexModelCountsBothIndexesWrites(t *testing.T) {
	m := newIndexModel()
	steps := []struct {
		what       string
		pk         string
		dueAt, lst string
		want       float64
	}{
		{"a booking enters both", "b#k", "t1", "active\x00s1", 2},
		{"rewritten unchanged", "b#k", "t1", "active\x00s1", 0},
		{"its due time moves", "b#k", "t2", "active\x00s1", 2},
		{"it ends: leaves due, moves lists", "b#k", "", "ended\x00s1", 3},
		{"a person item enters the list index", "p#h#k", "", "person#h\x00k", 1},
		{"and is written again", "p#h#k", "", "person#h\x00k", 0},
	}
	for _, s := range steps {
		if got := m.write(s.pk, 100, s.dueAt, s.lst); got != s.want {
			t.Errorf("%s: %v index WRU, want %v", s.what, got, s.want)
		}
	}
	if got := m.stored(); got < 2*(100+100) {
		t.Errorf("stored %d bytes, want at least the two items and their overhead", got)
	}
	if got := m.delete("p#h#k"); got != 1 {
		t.Errorf("deleting the person item: %v index WRU, want 1", got)
	}
	if got, want := m.stored(), 100+100+len("pkb#k")+len("listPartlistSortended\x00s1")-1+100; got != want {
		t.Errorf("stored %d bytes, want %d: one item and its list entry", got, want)
	}
}

// TestReadUnitsFollowConsistentRead: a strongly consistent read of a small item costs one RRU,
// an eventually consistent one half, in a GetItem and per item of a BatchGetItem.
func TestReadUnitsFollowConsistentRead(t *testing.T) {
	item := `{"pk":{"S":"pause#whereby#all"},"until":{"N":"1796635481495000000"}}`
	for _, tt := range []struct {
		op, req, res string
		want         float64
	}{
		{"GetItem", `{"ConsistentRead":true}`, `{"Item":` + item + `}`, 1},
		{"GetItem", `{}`, `{"Item":` + item + `}`, 0.5},
		{"GetItem", `{"ConsistentRead":false}`, `{}`, 0.5},
		{"BatchGetItem", `{"RequestItems":{"t":{"ConsistentRead":true}}}`, `{"Responses":{"t":[` + item + `,` + item + `]}}`, 2},
		{"BatchGetItem", `{"RequestItems":{"t":{}}}`, `{"Responses":{"t":[` + item + `]}}`, 0.5},
	} {
		p := &awsProxy{}
		p.units(tt.op, []byte(tt.req), []byte(tt.res))
		if p.rru != tt.want {
			t.Errorf("%s %s: %v RRU, want %v", tt.op, tt.req, p.rru, tt.want)
		}
	}
}
