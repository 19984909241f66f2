package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Defaults for the zero values of Options.
const (
	DefaultDialTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for the first response
	// byte. Free models can think for minutes before a non-streamed answer,
	// so it is generous; streams are never cut once headers have arrived.
	DefaultResponseHeaderTimeout = 3 * time.Minute
	DefaultUserAgent             = "Freelane (+https://github.com/freelane/freelane)"

	// MaxModelsBytes caps the size of the model catalog read from /models.
	MaxModelsBytes = 32 << 20
	maxKeyBytes    = 1 << 20

	// maxIdleConnsPerHost is large because every call goes to the same host;
	// the default of 2 would close and reopen TLS connections under load.
	maxIdleConnsPerHost = 512
)

// Attribution headers OpenRouter reads to name the calling app.
const (
	appURL   = "https://github.com/freelane/freelane"
	appTitle = "Freelane"
)

// Options configures a Client.
type Options struct {
	BaseURL string // e.g. https://openrouter.ai/api/v1
	APIKey  string // sent only as "Authorization: Bearer"; may be empty for /models
	// Token is Freelane's own access token. It is never sent upstream, but
	// is redacted from upstream texts like the key, in case a prompt quoted
	// it and a model or an error repeats it.
	Token string

	// Explicit proxy settings, in the syntax of the HTTP_PROXY, HTTPS_PROXY
	// and NO_PROXY environment variables. The process environment is not
	// consulted, so what the user configured is what is used.
	HTTPProxy, HTTPSProxy, NoProxy string

	DialTimeout           time.Duration // TCP connect; DefaultDialTimeout when zero
	ResponseHeaderTimeout time.Duration // request sent -> response headers; DefaultResponseHeaderTimeout when zero
	UserAgent             string        // DefaultUserAgent when empty
}

// Client talks to OpenRouter. It is safe for concurrent use.
type Client struct {
	base      string // BaseURL without a trailing slash
	apiKey    string
	redactor  *redactor // cleans every response body and error text (redact.go)
	userAgent string
	transport *http.Transport
	http      *http.Client
	// chatHeader is the header of every chat completion request, built
	// once: cloning it costs two allocations, setting seven fields ten.
	chatHeader http.Header
}

// New returns a client with its own transport. The base URL and the key
// are checked where the settings are read (proxy/config), so a bad value is
// reported as a setting to fix, not as a client that cannot start.
func New(o Options) *Client {
	base := strings.TrimRight(o.BaseURL, "/")
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	proxyFunc := (&httpproxy.Config{HTTPProxy: o.HTTPProxy, HTTPSProxy: o.HTTPSProxy, NoProxy: o.NoProxy}).ProxyFunc()
	dialer := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 func(r *http.Request) (*url.URL, error) { return proxyFunc(r.URL) },
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxIdleConnsPerHost,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.DialTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
	c := &Client{
		base:      base,
		apiKey:    o.APIKey,
		redactor:  newRedactor(o.APIKey, o.Token),
		userAgent: o.UserAgent,
		transport: transport,
		// No Timeout: a long stream must never be cut by an overall deadline.
		// Callers bound each call with its context instead.
		http: &http.Client{Transport: transport, CheckRedirect: refuseRedirect},
	}
	c.chatHeader = c.header()
	c.chatHeader.Set("Content-Type", "application/json")
	c.chatHeader.Set("Accept", "application/json, text/event-stream")
	return c
}

// ChatCompletions posts body to {base}/chat/completions and returns the
// response whatever its status, its body read through the redactor (see
// do); the caller closes its body. A failure to get a response comes back as
// an *Error of KindUnreachable, KindTimeout or KindNetwork (KindAuth when no
// API key is configured).
func (c *Client) ChatCompletions(ctx context.Context, body []byte) (*http.Response, error) {
	if c.apiKey == "" {
		return nil, &Error{Status: http.StatusUnauthorized, Kind: KindAuth, Message: "no OpenRouter API key is configured"}
	}
	req, err := c.newRequest(ctx, http.MethodPost, "/chat/completions", body, c.chatHeader)
	if err != nil {
		return nil, err
	}
	return c.do(req)
}

// Models returns the raw body of GET {base}/models (the whole catalog).
func (c *Client) Models(ctx context.Context) ([]byte, error) {
	return c.get(ctx, "/models", MaxModelsBytes)
}

// FreeDaily is the account's free-model request count for the current UTC day.
type FreeDaily struct {
	Used, Limit, Remaining int
}

// KeyInfo is what GET /key tells about the API key.
type KeyInfo struct {
	Label      string // OpenRouter's masked label of the key, e.g. "sk-or-v1-au7...890"
	IsFreeTier bool   // the account never bought credits
	FreeDaily  *FreeDaily
}

// Key returns information about the configured API key from GET {base}/key.
// The call uses no quota.
func (c *Client) Key(ctx context.Context) (KeyInfo, error) {
	if c.apiKey == "" {
		return KeyInfo{}, &Error{Status: http.StatusUnauthorized, Kind: KindAuth, Message: "no OpenRouter API key is configured"}
	}
	body, err := c.get(ctx, "/key", maxKeyBytes)
	if err != nil {
		return KeyInfo{}, err
	}
	var resp struct {
		Data struct {
			Label      string `json:"label"`
			IsFreeTier bool   `json:"is_free_tier"`
			FreeDaily  *struct {
				Used      json.Number `json:"used"`
				Limit     json.Number `json:"limit"`
				Remaining json.Number `json:"remaining"`
			} `json:"free_model_daily_requests"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return KeyInfo{}, fmt.Errorf("decoding the OpenRouter key information: %w", err)
	}
	info := KeyInfo{Label: resp.Data.Label, IsFreeTier: resp.Data.IsFreeTier}
	if fd := resp.Data.FreeDaily; fd != nil {
		info.FreeDaily = &FreeDaily{Used: numberToInt(fd.Used), Limit: numberToInt(fd.Limit), Remaining: numberToInt(fd.Remaining)}
	}
	return info, nil
}

// numberToInt converts a JSON number that may be written as a float; missing
// or malformed numbers read as 0.
func numberToInt(n json.Number) int {
	if i, err := n.Int64(); err == nil {
		return int(i)
	}
	f, _ := n.Float64()
	return int(f)
}

// CloseIdleConnections closes the pooled connections, e.g. after the proxy
// settings changed and a new client replaced this one.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// get performs a GET and returns the body of a 200 answer, at most limit bytes.
func (c *Client) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	header := c.header()
	header.Set("Accept", "application/json")
	req, err := c.newRequest(ctx, http.MethodGet, path, nil, header)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.transportError(fmt.Sprintf("reading GET %s", path), err)
	}
	if int64(len(body)) > limit {
		return nil, &Error{Status: resp.StatusCode, Kind: KindModelBusy, Message: fmt.Sprintf("GET %s answered more than %d bytes", path, limit)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, ParseError(resp.StatusCode, resp.Header, body)
	}
	return body, nil
}

// newRequest builds a request whose header is a copy of header, which the
// request may then change without touching the original.
func (c *Client) newRequest(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Request, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	req.Header = header.Clone()
	return req, nil
}

// header is what every request to OpenRouter carries. It is built here
// from scratch, so nothing a client of Freelane sent (its own
// Authorization, cookies) can reach OpenRouter.
func (c *Client) header() http.Header {
	h := make(http.Header, 8)
	if c.apiKey != "" {
		h.Set("Authorization", "Bearer "+c.apiKey)
	}
	h.Set("User-Agent", c.userAgent)
	h.Set("HTTP-Referer", appURL)
	h.Set("X-OpenRouter-Title", appTitle)
	h.Set("X-Title", appTitle)
	return h
}

// do sends req. It is where upstream text enters Freelane: every response
// body is read through the redactor, so no answer, error, catalog entry or
// stream event can bring the key or the token back, whole or in pieces, to
// a client, a log, /health, the statistics or a debug capture.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(req.Method+" "+strings.TrimPrefix(req.URL.Path, "/"), err)
	}
	if isRedirect(resp.StatusCode) {
		resp.Body.Close()
		return nil, &Error{Status: http.StatusBadGateway, Kind: KindNetwork, Message: fmt.Sprintf(
			"%s %s: OpenRouter's address answered %d, a redirect; Freelane does not follow redirects, which would send the prompt and the key elsewhere (check OPENROUTER_BASE_URL and any proxy in between)",
			req.Method, strings.TrimPrefix(req.URL.Path, "/"), resp.StatusCode)}
	}
	resp.Body = c.redactor.body(resp.Body)
	return resp, nil
}

// refuseRedirect stops net/http from following a redirect: following a 307
// re-sends the body (the prompt) and, to the same host, the key. The
// redirect answer itself comes back to do, which turns it into an error.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func isRedirect(status int) bool { return status >= 300 && status < 400 }

// transportError classifies a failure to reach OpenRouter or to read from it.
func (c *Client) transportError(op string, err error) *Error {
	kind, status := KindNetwork, http.StatusBadGateway
	var netErr net.Error
	switch {
	case couldNotConnect(err):
		kind = KindUnreachable
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		kind, status = KindTimeout, http.StatusGatewayTimeout
	}
	// No error text of the standard library carries headers, but a proxy's
	// answer or a read error may quote what came back.
	msg := c.redactor.String(op + ": " + err.Error())
	return &Error{Status: status, Kind: kind, Message: msg, Err: err}
}

// couldNotConnect reports whether err means no connection to OpenRouter was
// made at all, as opposed to one that broke while a model was answering. A
// dial that times out is a timeout too, but no model's slowness. Through a
// proxy, net/http wraps the dial error in an OpError of its own,
// "proxyconnect", and errors.As stops at that outer one.
func couldNotConnect(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect")
}
