package proxy

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/localuser"
	"github.com/freelane/freelane/proxy/openai"
)

// tokenCookie carries FREELANE_TOKEN for the dashboard in a browser, which
// cannot send an Authorization header on navigation.
const tokenCookie = "freelane_token"

// guard is the gate every request passes: Host allow-list (DNS rebinding),
// Origin and Sec-Fetch-Site checks (cross-site requests, CSRF), the token
// when one is configured, and CORS for explicitly allowed origins. It applies
// to every endpoint: a web page the user happens to visit must not be able
// to spend their free quota or read their history.
//
// The dashboard is stricter than the API: it holds saved prompts, the debug
// switch and .env writes, so it answers only this machine (even when the API
// listens on the network) and only pages served by this machine
// (ALLOWED_ORIGINS opens the API to a browser client, not the dashboard).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One snapshot for the whole request, as the chat handler takes: a
		// reload in between must not mix two configurations' rules.
		rt := s.runtime()
		cfg := &rt.cfg
		if !rt.hostAllowed(r.Host) {
			refuse(w, r, http.StatusForbidden, "host_not_allowed",
				"Freelane answers only requests addressed to this machine (Host "+quoteHost(r.Host)+" refused).")
			return
		}
		api := isAPIPath(r.URL.Path)
		if isDashboardPath(r.URL.Path) && !rt.fromThisMachine(r.RemoteAddr) {
			refuse(w, r, http.StatusForbidden, "dashboard_local_only",
				"The Freelane dashboard (/debug) is served to this machine only; open it on the computer running Freelane. The API under /v1 stays reachable with the token.")
			return
		}
		if isDashboardPath(r.URL.Path) && !s.fromThisUser(r) {
			refuse(w, r, http.StatusForbidden, "dashboard_other_user",
				"The Freelane dashboard (/debug) answers only the user account that runs Freelane.")
			return
		}
		origin := r.Header.Get("Origin")
		cors := origin != "" && api && originInList(origin, cfg.AllowedOrigins)
		if origin != "" && !cors && !rt.originMayCall(origin, r.Host, api) {
			message := "Requests from web pages on other sites are refused; add the origin to ALLOWED_ORIGINS to allow a browser client."
			if !api {
				message = "Only the dashboard's own pages may use the dashboard; ALLOWED_ORIGINS opens the API (/v1 and /health), nothing else."
			}
			refuse(w, r, http.StatusForbidden, "origin_not_allowed", message)
			return
		}
		if origin == "" && r.Header.Get("Sec-Fetch-Site") == "cross-site" && !isNavigation(r) {
			refuse(w, r, http.StatusForbidden, "origin_not_allowed", "Cross-site requests are refused.")
			return
		}
		if cors {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, OpenAI-Organization, OpenAI-Project, X-Stainless-Arch, X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Runtime, X-Stainless-Runtime-Version, X-Stainless-Retry-Count, X-Stainless-Timeout")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if cfg.Token != "" && !s.tokenPresented(w, r, cfg.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="freelane"`)
			refuse(w, r, http.StatusUnauthorized, "invalid_token",
				"This Freelane requires its access token: send it as the API key (Authorization: Bearer <FREELANE_TOKEN>).")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether path is part of the OpenAI-compatible API (and
// /health), the only paths ALLOWED_ORIGINS opens to other sites.
func isAPIPath(path string) bool {
	switch path {
	case "/v1", "/chat/completions", "/models", "/health":
		return true
	}
	return strings.HasPrefix(path, "/v1/")
}

// isDashboardPath reports whether path belongs to the dashboard. The prefix
// is matched as the token check matches it, so no spelling of a dashboard
// path slips past one check and not the other.
func isDashboardPath(path string) bool { return strings.HasPrefix(path, "/debug") }

// fromThisMachine reports whether a connection comes from this machine:
// loopback, or one of its own addresses when it listens on the network (the
// tray opens the dashboard through the listen address, so a bind to a LAN
// address reaches it from that address). A TCP peer cannot claim an address
// it does not receive answers on, so the peer address is a sound test.
func (rt *runtimeConfig) fromThisMachine(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	return ip.IsLoopback() || rt.hosts[ip.String()]
}

// fromThisUser reports whether the client of r runs as the user running
// Freelane, where the OS tells (see localuser); elsewhere every local
// user passes. A request that came through no connection (a test calling
// the handler) has nothing to check.
func (s *Server) fromThisUser(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	server, err1 := netip.ParseAddrPort(local.String())
	client, err2 := netip.ParseAddrPort(r.RemoteAddr)
	if err1 != nil || err2 != nil {
		return false
	}
	same, err := localuser.SameUser(server, client)
	if errors.Is(err, localuser.ErrUnsupported) {
		return true
	}
	if err != nil {
		s.log.Warn("cannot tell which user opened a dashboard connection; refused", "err", err)
	}
	return same
}

// tokenPresented accepts the token as a bearer API key, as the dashboard
// cookie, or once as ?token= on a dashboard page (which then sets the cookie,
// so the tray can open the dashboard with one URL).
func (s *Server) tokenPresented(w http.ResponseWriter, r *http.Request, token string) bool {
	if auth, ok := bearerToken(r.Header.Get("Authorization")); ok && equalSecret(auth, token) {
		return true
	}
	// Browsers send the cookie to every port of 127.0.0.1, so on the API it
	// counts only for the dashboard's own pages: a page served on another
	// port must present the token itself.
	if c, err := r.Cookie(tokenCookie); err == nil && equalSecret(c.Value, token) &&
		(!isAPIPath(r.URL.Path) || sameOrigin(r)) {
		return true
	}
	if q := r.URL.Query().Get("token"); q != "" && r.Method == http.MethodGet && isDashboardPath(r.URL.Path) && equalSecret(q, token) {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		return true
	}
	return false
}

// bearerToken returns the credentials of a Bearer Authorization header; the
// scheme is case-insensitive (RFC 9110, section 11.1).
func bearerToken(header string) (string, bool) {
	scheme, credentials, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(credentials, " "), true
}

// sameOrigin reports whether a browser sent r from a page of the origin it
// is addressed to, i.e. from the dashboard itself.
func sameOrigin(r *http.Request) bool {
	u, err := url.Parse(r.Header.Get("Origin"))
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// hostAllowed refuses Host names that are not this machine: a DNS-rebinding
// page reaches 127.0.0.1 under its own domain name, so the name is the tell.
func (rt *runtimeConfig) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return false
	}
	if isLoopbackName(host) {
		return true
	}
	return rt.hosts[strings.ToLower(host)]
}

// originMayCall reports whether a page from origin may call this request.
// The API answers any page served by this machine (a local tool the user
// runs, on any port); the dashboard answers only its own pages, the origin
// the request is addressed to, since another local page (a dev server, any
// tool on another port) has no business reading saved prompts or switching
// debug mode.
func (rt *runtimeConfig) originMayCall(origin, host string, api bool) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes the "null" origin of sandboxed frames and files
	}
	if !api {
		return strings.EqualFold(u.Host, host)
	}
	return rt.hostAllowed(u.Host)
}

func isLoopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func originInList(origin string, allowed []string) bool {
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}

func isNavigation(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Mode") == "navigate"
}

func quoteHost(h string) string {
	if len(h) > 64 {
		h = h[:64] + "…"
	}
	return `"` + h + `"`
}

// bodyDeadline bounds how long a request body may take to arrive, on every
// endpoint. The server has no ReadTimeout (it would cut long streams), so
// without this a client that announces a body and trickles it holds the
// connection for ever: net/http drains an unread body of up to 256 KB after
// the handler returns, with no deadline of its own.
//
// The deadline is only armed here. A handler that reads its body and then
// runs long (chat, whose stream may last minutes) lifts it once the body is
// in (readBody); one that is done quickly (the dashboard's PUTs) leaves it,
// and one that never reads its body leaves it too, which bounds the drain.
// Requests without a body are left alone.
func (s *Server) bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			// An error means no connection (a recorder in tests): nothing to bound.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.BodyReadTimeout))
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers an error before the request body was read. The connection
// is closed after the answer, so net/http does not wait to drain a body the
// handler never wanted.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	openai.WriteError(w, status, code, message)
}

// recoverer turns a handler panic into a 500 in the OpenAI envelope, except
// http.ErrAbortHandler, which net/http uses to abort a response on purpose.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("handler panic", "path", r.URL.Path, "panic", v)
			openai.WriteError(w, http.StatusInternalServerError, "internal_error", "Freelane hit an internal error; the call was not completed.")
		}()
		next.ServeHTTP(w, r)
	})
}

// Values of the security headers, shared by every response. net/http copies
// a header when the response starts and never changes the values in place,
// and Header.Add on a full slice appends to a new array, so sharing is safe.
var (
	nosniff    = []string{"nosniff"}
	denyFrames = []string{"DENY"}
	noReferrer = []string{"no-referrer"}
)

// securityHeaders are set on every response. The keys are canonical, so
// they are assigned directly rather than through Header.Set, which would
// allocate a value slice for each one on every request.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = denyFrames
		h["Referrer-Policy"] = noReferrer
		next.ServeHTTP(w, r)
	})
}
