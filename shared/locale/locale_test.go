package locale_test

import (
	"html/template"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/locale"
	"github.com/roomkeeper/roomkeeper/templates"
)

// catalog reads a catalog's message ids and, for plural messages, their forms.
func catalog(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(templates.I18n, locale.CatalogPath(lang))
	require.NoError(t, err, "catalog %s", lang)
	var m map[string]any
	require.NoError(t, toml.Unmarshal(b, &m), "catalog %s", lang)
	return m
}

// TestCatalogsComplete fails when a message of the English catalog is missing from another
// language's (or one has a message English lacks): adding a message to a template and to
// active.en.toml makes this test list every catalog still to translate it.
func TestCatalogsComplete(t *testing.T) {
	en := catalog(t, locale.English)
	files, err := fs.Glob(templates.I18n, "i18n/*.toml")
	require.NoError(t, err)
	var langs []string
	for _, f := range files {
		langs = append(langs, strings.TrimSuffix(strings.TrimPrefix(f, "i18n/active."), ".toml"))
	}
	assert.ElementsMatch(t, locale.Languages, langs, "each language has a catalog, each catalog is a language")
	for _, lang := range locale.Languages {
		if lang == locale.English {
			continue
		}
		m := catalog(t, lang)
		for id, v := range en {
			tr, ok := m[id]
			if !assert.True(t, ok, "%s: message %q has no translation in active.%s.toml", lang, id, lang) {
				continue
			}
			_, enPlural := v.(map[string]any)
			_, trPlural := tr.(map[string]any)
			assert.Equal(t, enPlural, trPlural, "%s: message %q: plural forms in one catalog and not the other", lang, id)
		}
		for id := range m {
			assert.Contains(t, en, id, "%s: message %q is not in the English catalog", lang, id)
		}
	}
}

// TestPluralFormsComplete renders every plural message in every language for counts that
// reach each CLDR plural form these languages have (one, many for a million in French and
// Spanish, other): a missing form is an error.
func TestPluralFormsComplete(t *testing.T) {
	for id, v := range catalog(t, locale.English) {
		if _, plural := v.(map[string]any); !plural {
			continue
		}
		for _, lang := range locale.Languages {
			l, err := locale.For(lang)
			require.NoError(t, err)
			for _, n := range []int{0, 1, 2, 5, 21, 1000000} {
				s, err := l.T(id, "Count", n, "Names", "A, B, C")
				require.NoError(t, err, "%s %s count %d", lang, id, n)
				assert.Contains(t, s, strconv.Itoa(n), "%s %s count %d: the count is shown", lang, id, n)
			}
		}
	}
}

// TestTemplatesUseCatalogIDs fails when a template names a message the English catalog does not
// have.
func TestTemplatesUseCatalogIDs(t *testing.T) {
	en := catalog(t, locale.English)
	call := regexp.MustCompile(`\.[TH] "([^"]+)"`)
	seen := 0
	for _, fsys := range []fs.FS{templates.FS, templates.Pages} {
		require.NoError(t, fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tmpl") {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			for _, m := range call.FindAllStringSubmatch(string(b), -1) {
				seen++
				assert.Contains(t, en, m[1], "%s names message %q, which active.en.toml lacks", path, m[1])
			}
			return nil
		}))
	}
	assert.Greater(t, seen, 50, "the templates name their sentences by message id")
}

// TestConfigLanguages keeps the languages ROOMKEEPER_LOCALE accepts (shared/config, which
// imports nothing of roomkeeper) the languages there are catalogs for.
func TestConfigLanguages(t *testing.T) {
	assert.ElementsMatch(t, locale.Languages, config.Languages)
}

func TestMatch(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"de", "de"}, {"de-AT", "de"}, {"de_CH", "de"}, {"fr-CA", "fr"}, {"es-419", "es"},
		{"en-US", "en"}, {"nb-NO", "nb"},
		{"no", "nb"}, // Cal.com's Norwegian is Bokmål
		{"nn", "nb"}, // Nynorsk readers read Bokmål
		{"ja", ""}, {"pt-BR", ""}, {"und", ""}, {"", ""}, {"not a tag", ""},
	} {
		assert.Equal(t, c.want, locale.Match(c.in), "Match(%q)", c.in)
	}
	assert.Equal(t, "de", locale.Match("ja", "", "de-DE", "fr"), "the first that matches wins")
	assert.Equal(t, "fr", locale.MatchAccept("ja, fr-CH;q=0.9, de;q=0.8"))
	assert.Equal(t, "de", locale.MatchAccept("fr;q=0.2, de"), "by weight, not order")
	assert.Equal(t, "", locale.MatchAccept("ja, zh"))
	assert.Equal(t, "", locale.MatchAccept("%%%"))

	l, err := locale.Pick("ja", "")
	require.NoError(t, err)
	assert.Equal(t, "en", l.Lang(), "nothing matched: English")
	l, err = locale.Pick("ja", "nb")
	require.NoError(t, err)
	assert.Equal(t, "nb", l.Lang())
}

// TestDates checks each language's date and time against how CLDR writes them.
func TestDates(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	require.NoError(t, err)
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, oslo) // a Monday
	early := time.Date(2026, 3, 7, 9, 5, 0, 0, oslo) // a Saturday in March
	for _, c := range []struct {
		lang, date, short, day, early, earlyShort, dayTime string
	}{
		{"en", "Monday 23 November 2026, 15:00", "Mon 23 Nov 2026 15:00", "Monday 23 November 2026, 15:00–15:30",
			"Saturday 7 March 2026, 09:05", "Sat 7 Mar 2026 09:05", "Sat 7 Mar 09:05"},
		{"de", "Montag, 23. November 2026, 15:00", "Mo., 23. Nov. 2026, 15:00", "Montag, 23. November 2026, 15:00–15:30",
			"Samstag, 7. März 2026, 09:05", "Sa., 7. März 2026, 09:05", "Sa., 7. März, 09:05"},
		{"fr", "lundi 23 novembre 2026 à 15:00", "lun. 23 nov. 2026, 15:00", "lundi 23 novembre 2026 à 15:00 – 15:30",
			"samedi 7 mars 2026 à 09:05", "sam. 7 mars 2026, 09:05", "sam. 7 mars, 09:05"},
		{"es", "lunes, 23 de noviembre de 2026, 15:00", "lun, 23 nov 2026, 15:00", "lunes, 23 de noviembre de 2026, 15:00–15:30",
			"sábado, 7 de marzo de 2026, 9:05", "sáb, 7 mar 2026, 9:05", "sáb, 7 mar, 9:05"},
		{"nb", "mandag 23. november 2026 kl. 15:00", "man. 23. nov. 2026, 15:00", "mandag 23. november 2026 kl. 15:00–15:30",
			"lørdag 7. mars 2026 kl. 09:05", "lør. 7. mar. 2026, 09:05", "lør. 7. mar., 09:05"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			l, err := locale.For(c.lang)
			require.NoError(t, err)
			assert.Equal(t, c.date, l.Date(at))
			assert.Equal(t, c.short, l.Short(at))
			assert.Equal(t, c.day, l.Day(at, l.Time(at), l.Time(at.Add(30*time.Minute))))
			assert.Equal(t, c.early, l.Date(early))
			assert.Equal(t, c.earlyShort, l.Short(early))
			assert.Equal(t, c.dayTime, l.DayTime(early))
		})
	}
}

func TestT(t *testing.T) {
	en, err := locale.For("en")
	require.NoError(t, err)
	s, err := en.T("list.others", "Names", "Ann, Bob, Cleo", "Count", 1)
	require.NoError(t, err)
	assert.Equal(t, "Ann, Bob, Cleo and 1 other", s)
	s, err = en.T("list.others", "Names", "Ann, Bob, Cleo", "Count", 4)
	require.NoError(t, err)
	assert.Equal(t, "Ann, Bob, Cleo and 4 others", s)

	_, err = en.T("no.such.message")
	assert.Error(t, err, "a message missing from the catalog is an error, not an empty string")
	_, err = en.T("list.and", "Names")
	assert.Error(t, err, "odd values")

	// H escapes the message and plain values, and keeps HTML values as they are.
	h, err := en.H("failure.lead", "Title", template.HTML("<strong>A &amp; B</strong>"), "When", "<now>")
	require.NoError(t, err)
	assert.Equal(t, template.HTML("We could not set up the video room for <strong>A &amp; B</strong> (&lt;now&gt;)."), h)
	fr, err := locale.For("fr")
	require.NoError(t, err)
	h, err = fr.H("page.ended.title")
	require.NoError(t, err)
	assert.Equal(t, template.HTML("Cette réunion est terminée"), h)
	h, err = fr.H("invite.replyTo")
	require.NoError(t, err)
	assert.Equal(t, template.HTML("Pour joindre la personne qui organise la réunion, répondez simplement à cet e-mail."), h)
}

func TestLanguagesOrder(t *testing.T) {
	assert.Equal(t, locale.English, locale.Languages[0], "English is the last resort, the matcher's default")
	assert.True(t, slices.IsSorted(locale.Languages[1:]))
}
