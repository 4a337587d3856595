// Package locale writes roomkeeper's words in a person's language: the message catalogs
// (templates/i18n/active.<lang>.toml, read with github.com/nicksnyder/go-i18n/v2, whose plural
// forms follow the CLDR plural rules), the choice of language (BCP 47 tags matched with
// golang.org/x/text/language), and dates and times written the CLDR way for each language.
// golang.org/x/text formats no dates, so each catalog carries its language's CLDR patterns and
// day and month names (the date.* messages), and Locale.Date and Locale.Range apply them.
//
// Each catalog is parsed on its first use, not at start-up.
package locale

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/roomkeeper/roomkeeper/templates"
)

// Languages are the languages roomkeeper writes in, as BCP 47 tags: English first, the last
// resort. Each has a catalog templates/i18n/active.<tag>.toml.
var Languages = []string{"en", "de", "es", "fr", "nb"}

// English is the language of a person nothing else is known of.
const English = "en"

var matcher = sync.OnceValue(func() language.Matcher {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	return language.NewMatcher(tags)
})

// Match returns the language roomkeeper writes in for the first of tags (BCP 47) that one of
// Languages matches (de-AT and gsw: de; no and nn: nb), or "" when none does or a tag is
// malformed.
func Match(tags ...string) string {
	for _, s := range tags {
		if s == "" {
			continue
		}
		t, err := language.Parse(s)
		if err != nil {
			continue
		}
		if l := match(t); l != "" {
			return l
		}
	}
	return ""
}

func match(t language.Tag) string {
	_, i, conf := matcher().Match(t)
	if conf == language.No {
		return ""
	}
	return Languages[i]
}

// MatchAccept returns the language an HTTP Accept-Language header asks for (the first of its
// languages, by weight, that one of Languages matches), or "" when none does.
func MatchAccept(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return ""
	}
	for _, t := range tags {
		if l := match(t); l != "" {
			return l
		}
	}
	return ""
}

// Pick returns the Locale of the first of tags that matches one of Languages (Match), else
// English.
func Pick(tags ...string) (*Locale, error) {
	l := Match(tags...)
	if l == "" {
		l = English
	}
	return For(l)
}

// Locale is one language's catalog and date patterns.
type Locale struct {
	lang  string
	l     *i18n.Localizer
	dates dates
}

// catalogs parse each language's catalog on its first use: a function that writes to one
// person pays for one catalog (about a millisecond), not for all of them. The set is made on the
// first call, not by a package-level variable's initialiser: one made at init references load,
// and through it text/template's reflect.Value.MethodByName, from every binary that links this
// package, whether it writes anything or not, and the linker then keeps every exported method of
// every type it keeps (the slack function: 17.1 MB with the set made at init, 10.7 MB
// without; docs/benchmarks.md).
func catalogs() map[string]func() (*Locale, error) {
	catalogSetOnce.Do(func() {
		catalogSet = make(map[string]func() (*Locale, error), len(Languages))
		for _, lang := range Languages {
			catalogSet[lang] = sync.OnceValues(func() (*Locale, error) { return load(lang) })
		}
	})
	return catalogSet
}

var (
	catalogSetOnce sync.Once
	catalogSet     map[string]func() (*Locale, error)
)

// load parses one language's catalog, in a bundle of its own: a message it lacks is an error
// (TestCatalogsComplete keeps there being none), never English in its place.
func load(lang string) (*Locale, error) {
	bundle := i18n.NewBundle(language.MustParse(lang))
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	if _, err := bundle.LoadMessageFileFS(templates.I18n, CatalogPath(lang)); err != nil {
		return nil, fmt.Errorf("load catalog %s: %w", lang, err)
	}
	loc := &Locale{lang: lang, l: i18n.NewLocalizer(bundle, lang)}
	var err error
	if loc.dates, err = loc.loadDates(); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", lang, err)
	}
	return loc, nil
}

// CatalogPath is the path of a language's catalog in templates.I18n.
func CatalogPath(lang string) string { return "i18n/active." + lang + ".toml" }

// For returns the Locale of one of Languages.
func For(lang string) (*Locale, error) {
	load := catalogs()[lang]
	if load == nil {
		return nil, fmt.Errorf("no catalog for language %q", lang)
	}
	return load()
}

// Lang is the locale's BCP 47 tag, for Content-Language and <html lang>.
func (l *Locale) Lang() string { return l.lang }

// T returns the message id filled in with kv, pairs of a name and a value ("Title", title, …).
// A value named Count also chooses the plural form. A message missing from the catalog, or
// odd kv, is an error.
func (l *Locale) T(id string, kv ...any) (string, error) {
	data, count, err := pairs(kv)
	if err != nil {
		return "", fmt.Errorf("message %s: %w", id, err)
	}
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return "", fmt.Errorf("message %s in %s: %w", id, l.lang, err)
	}
	return s, nil
}

// H is T for an HTML template: the message's text and every value are escaped, except values
// of type template.HTML (markup the caller made, such as a <strong> around an escaped title).
func (l *Locale) H(id string, kv ...any) (template.HTML, error) {
	// Each value is replaced by a marker that escaping leaves alone, the message is escaped,
	// and the markers are replaced by the escaped values.
	const mark = "\x1a"
	vals := make([]string, 0, len(kv)/2)
	marked := make([]any, len(kv))
	copy(marked, kv)
	for i := 1; i < len(kv); i += 2 {
		if name, _ := kv[i-1].(string); name == "Count" {
			continue // chooses the form; printed as a number
		}
		var v string
		switch x := kv[i].(type) {
		case template.HTML:
			v = string(x)
		default:
			v = html.EscapeString(fmt.Sprint(x))
		}
		marked[i] = mark + strconv.Itoa(len(vals)) + mark
		vals = append(vals, v)
	}
	s, err := l.T(id, marked...)
	if err != nil {
		return "", err
	}
	s = html.EscapeString(s)
	if len(vals) == 0 {
		return template.HTML(s), nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, mark)
		if i < 0 {
			b.WriteString(s)
			return template.HTML(b.String()), nil
		}
		j := strings.Index(s[i+1:], mark)
		if j < 0 {
			return "", fmt.Errorf("message %s in %s: a value was cut", id, l.lang)
		}
		n, err := strconv.Atoi(s[i+1 : i+1+j])
		if err != nil || n >= len(vals) {
			return "", fmt.Errorf("message %s in %s: a value was cut", id, l.lang)
		}
		b.WriteString(s[:i])
		b.WriteString(vals[n])
		s = s[i+1+j+1:]
	}
}

// pairs turns kv into template data, and the value named Count into the plural count.
func pairs(kv []any) (data map[string]any, count any, err error) {
	if len(kv)%2 != 0 {
		return nil, nil, errors.New("values must come in name, value pairs")
	}
	if len(kv) == 0 {
		return nil, nil, nil
	}
	data = make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return nil, nil, fmt.Errorf("value name %v is not a string", kv[i])
		}
		data[name] = kv[i+1]
		if name == "Count" {
			count = kv[i+1]
		}
	}
	return data, count, nil
}
