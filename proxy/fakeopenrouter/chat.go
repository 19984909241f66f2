package fakeopenrouter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
)

// maxChatBody bounds what the fake reads from one request.
const maxChatBody = 32 << 20

// maxFallbackModels is the "models" length OpenRouter accepts, as reported
// by third parties (it is undocumented).
const maxFallbackModels = 3

// chatRequest holds the request fields the fake acts on.
type chatRequest struct {
	Model    string          `json:"model"`
	Models   []string        `json:"models"`
	Stream   bool            `json:"stream"`
	Tools    json.RawMessage `json:"tools"`
	Messages []chatMessage   `json:"messages"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

func (c chatRequest) hasTools() bool {
	t := bytes.TrimSpace(c.Tools)
	return len(t) > 0 && !bytes.Equal(t, []byte("null")) && !bytes.Equal(t, []byte("[]"))
}

// hasImages reports whether any message has an image_url content part.
func (c chatRequest) hasImages() bool {
	for _, m := range c.Messages {
		var parts []struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(m.Content, &parts) != nil {
			continue // plain string content
		}
		for _, p := range parts {
			if p.Type == "image_url" {
				return true
			}
		}
	}
	return false
}

// candidates is the ordered list of models to try: "model", then the
// "models" fallback list, without repeats.
func (c chatRequest) candidates() []string {
	var out []string
	for _, id := range append([]string{c.Model}, c.Models...) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// handleChat serves POST /api/v1/chat/completions.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChatBody))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			writeError(w, simpleError(http.StatusRequestEntityTooLarge, "Request body too large"))
		}
		return // otherwise the client went away mid-body
	}
	var req chatRequest
	decodeErr := json.Unmarshal(body, &req)

	cat := s.catalog.Load()
	record := Request{Model: req.Model, Models: req.Models, Stream: req.Stream}
	if !s.instant {
		record.Header, record.Body = r.Header.Clone(), body
	}
	candidates := req.candidates()
	paid := slices.ContainsFunc(candidates, func(id string) bool {
		m, known := cat.byID[id]
		return known && !m.free()
	})
	s.recordCall(record, paid)

	switch {
	case decodeErr != nil:
		writeError(w, badRequest("Invalid JSON in request body"))
		return
	case len(req.Models) > maxFallbackModels:
		writeError(w, tooManyModels())
		return
	case len(req.Messages) == 0:
		writeError(w, badRequest(`Input required: specify "prompt" or "messages"`))
		return
	case len(candidates) == 0:
		writeError(w, badRequest("No models provided"))
		return
	}
	for _, id := range candidates {
		if _, known := cat.byID[id]; !known {
			writeError(w, invalidModel(id))
			return
		}
	}

	if slices.ContainsFunc(candidates, countsAsFree) {
		if ok, limit := s.takeFree(); !ok {
			writeError(w, dailyCapError(limit, s.now()))
			return
		}
	}

	for i, id := range candidates {
		s.countAttempt(id)
		x := s.newExchange(w, r, req, cat, cat.byID[id], len(body))
		x.fallback = i < len(candidates)-1
		x.serve(s.nextBehavior(id))
		if !x.failedOver {
			return
		}
	}
}

// exchange is one attempt at one model within a chat call.
type exchange struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	rc   *http.ResponseController
	req  chatRequest
	cat  *catalog
	spec ModelSpec // the model asked for

	answeredBy  string // the response "model": the routed model for openrouter/free
	provider    string
	genID       string
	created     int64
	promptBytes int

	started    bool // status 200 and stream headers are out
	aborted    bool // client gone or connection reset: write nothing more
	fallback   bool // a later "models" entry can take over on error
	failedOver bool // this attempt failed and the next entry should run
	events     int  // data events written
	gate       <-chan struct{}
}

func (s *Server) newExchange(w http.ResponseWriter, r *http.Request, req chatRequest, cat *catalog, spec ModelSpec, promptBytes int) *exchange {
	now := s.now()
	return &exchange{
		s: s, w: w, r: r, rc: http.NewResponseController(w), req: req, cat: cat, spec: spec,
		answeredBy:  spec.ID,
		provider:    providerFor(spec.ID),
		created:     now.Unix(),
		genID:       generationID(now.Unix(), s.seq.Add(1)),
		promptBytes: promptBytes,
	}
}

// serve checks the model can take the request, then runs the behaviour.
func (x *exchange) serve(b Behavior) {
	if x.spec.ID == freeRouterID {
		routed, ok := x.routeFree()
		if !ok {
			x.fail(noEndpoints(freeRouterID))
			return
		}
		x.answeredBy, x.provider = routed, providerFor(routed)
	}
	routedSpec := x.cat.byID[x.answeredBy]
	switch {
	case x.req.hasTools() && !routedSpec.Tools:
		x.fail(noToolEndpoints())
		return
	case x.req.hasImages() && !routedSpec.Vision:
		x.fail(noImageEndpoints())
		return
	}
	x.serveNext(b)
}

// routeFree is the Free Models Router: it picks a :free text model that
// supports what the request needs. The real one picks at random; the fake
// takes the first in catalog order so tests stay deterministic.
func (x *exchange) routeFree() (string, bool) {
	for _, m := range x.cat.models {
		if !m.free() || m.ID == freeRouterID || !countsAsFree(m.ID) || !m.outputsText() {
			continue
		}
		if x.req.hasTools() && !m.Tools || x.req.hasImages() && !m.Vision {
			continue
		}
		return m.ID, true
	}
	return "", false
}

// fail answers an error: as an HTTP status before the stream started, as an
// in-band error chunk after, or not at all when a fallback model remains.
func (x *exchange) fail(e apiError) {
	switch {
	case x.aborted:
	case x.started:
		x.errorChunk(e.inBandError())
	case x.fallback && !e.accountWide:
		x.failedOver = true
	default:
		writeError(x.w, e)
	}
}

// answer delivers a reply in the requested mode.
func (x *exchange) answer(rep reply) {
	if x.req.Stream {
		x.streamReply(rep)
		return
	}
	x.writeCompletion(x.completion(rep, nil))
}

func (x *exchange) completion(rep reply, failure *errorObject) completion {
	msg := message{Role: "assistant", Content: rep.content}
	if rep.reasoning != "" {
		msg.Reasoning = &rep.reasoning
		msg.ReasoningDetails = []reasoningDetail{{Type: "reasoning.text", Text: rep.reasoning, Format: "unknown"}}
	}
	if rep.toolName != "" {
		msg.ToolCalls = []toolCall{{ID: x.toolCallID(), Type: "function", Function: toolFunction{Name: rep.toolName, Arguments: rep.toolArgs}}}
	}
	finish := rep.finishReason()
	if failure != nil {
		finish = "error"
	}
	return completion{
		ID: x.genID, Object: "chat.completion", Created: x.created,
		Model: x.answeredBy, Provider: x.provider,
		Choices: []completionItem{{FinishReason: finish, NativeFinishReason: finish, Message: msg, Error: failure}},
		Usage:   usageFor(x.spec, x.promptBytes, rep),
	}
}

func (x *exchange) toolCallID() string { return "call_" + x.genID[len(x.genID)-20:] }

func (x *exchange) writeCompletion(c completion) {
	if x.aborted {
		return
	}
	x.w.Header().Set("X-Generation-Id", x.genID)
	writeJSON(x.w, http.StatusOK, c)
}

// completionBytes is the encoded completion, for behaviours that send it
// damaged or slowly.
func (x *exchange) completionBytes(rep reply) []byte {
	b, err := json.Marshal(x.completion(rep, nil))
	if err != nil {
		panic("fakeopenrouter: encoding completion: " + err.Error())
	}
	return b
}

// startBody sends a 200 with a JSON content type but no length, so the
// body can be written piece by piece.
func (x *exchange) startBody() {
	x.w.Header().Set("Content-Type", "application/json")
	x.w.Header().Set("X-Generation-Id", x.genID)
	x.w.WriteHeader(http.StatusOK)
	x.started = true
}

// cancelled notes that the client went away while a behaviour waited.
func (x *exchange) cancelled() {
	x.aborted = true
	x.s.noteCancelled(x.spec.ID)
}

// abort drops the call without a proper end, as when the server shuts
// down under it; net/http closes the connection quietly.
func (x *exchange) abort() {
	x.aborted = true
	panic(http.ErrAbortHandler)
}

// reset closes the TCP connection abruptly (RST), mid-response.
func (x *exchange) reset() {
	conn, _, err := x.rc.Hijack()
	if err != nil {
		x.abort() // cannot hijack (HTTP/2): aborting is the closest thing
	}
	x.aborted = true
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tcp.SetLinger(0) // close with RST, not FIN
	}
	_ = conn.Close()
}
