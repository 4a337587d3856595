package console

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/booking"
	"github.com/roomkeeper/roomkeeper/shared/httpapi"
)

// signInData is the sign-in page's.
type signInData struct {
	CSRF  string
	Next  string
	Error string // beside the token field
}

// signInPage shows the sign-in form, or sends a signed-in operator on. The form's CSRF token is
// also set in a cookie, since there is no session yet to hold it.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := c.session(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.showSignIn(w, r, http.StatusOK, next, "")
}

func (c *Console) showSignIn(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	token := randomToken()
	http.SetCookie(w, httpapi.ConsoleCookie(r, signInCookie, token, 3600))
	c.render(w, status, "signin", view{
		Title:  "Sign in",
		Bare:   true,
		Notice: notices[r.URL.Query().Get("done")],
		Z:      c.zoneOf(access.Operator{}),
		Data:   signInData{CSRF: token, Next: next, Error: msg},
	})
}

// signIn checks the token and starts a session. The token comes in the form's body only.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	log := httpapi.RequestLog(c.Log, r).With("route", "console.sign-in")
	if err := readForm(w, r); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	ck, err := r.Cookie(signInCookie)
	if err != nil || !equal(r.PostForm.Get("csrf"), ck.Value) {
		log.Info("sign-in refused: no valid CSRF token")
		c.fail(w, r, nil, errCSRF)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	token := r.PostForm.Get("token")
	if token == "" {
		c.showSignIn(w, r, http.StatusBadRequest, next, "Enter your operator token.")
		return
	}
	// A wrong token counts against the client's address; after access.FreeFailures of them the
	// address must wait (429 with Retry-After) before a token of its is even checked.
	s, err := c.Access.SignIn(r.Context(), token, httpapi.ClientAddr(r))
	if err != nil {
		status, e := public(err)
		if e == nil || e.Code == booking.NotFound {
			c.fail(w, r, nil, err)
			return
		}
		log.Info("sign-in refused", "status", status, "code", e.Code)
		httpapi.SetRetryAfter(w, err)
		msg := sentence(e.Message)
		if e.Code == booking.Unauthorized {
			msg = "This token is not valid. Check it and try again."
		}
		c.showSignIn(w, r, status, next, msg)
		return
	}
	log.Info("signed in", "operator", s.Operator.Name)
	http.SetCookie(w, httpapi.ConsoleCookie(r, signInCookie, "", -1))
	httpapi.SetSessionCookie(w, r, s)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut ends the session.
func (c *Console) signOut(q *request) error {
	if err := c.Access.SignOut(q.ctx(), q.s.ID); err != nil {
		return err
	}
	q.log.Info("signed out", "operator", q.s.Operator.Name)
	httpapi.ClearSessionCookie(q.w, q.r)
	return q.redirect("/console/sign-in?done=signed-out")
}

// randomToken returns 256 random bits, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
