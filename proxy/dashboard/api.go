package dashboard

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/internal/days"
)

func (h *handler) getStats(w http.ResponseWriter, r *http.Request) {
	historyDays, err := intQuery(r, "days", defaultHistoryDays, 1, maxHistoryDays)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", err.Error())
		return
	}
	stats := h.src.Stats(historyDays)
	if stats.Quota.ResetAt.IsZero() {
		stats.Quota.ResetAt = days.NextQuotaDay(h.now())
	}
	if stats.Quota.Source == "" {
		stats.Quota.Source = QuotaSourceEstimate
	}
	// A non-openrouter figure is Freelane's own count, whatever the Source said.
	stats.Quota.Estimated = stats.Quota.Estimated || stats.Quota.Source != QuotaSourceOpenRouter
	stats.History = nonNil(stats.History)
	stats.Models = nonNil(stats.Models)
	writeJSON(w, http.StatusOK, stats)
}

func (h *handler) getConcurrency(w http.ResponseWriter, r *http.Request) {
	c := h.src.Concurrency()
	c.Recent = nonNil(c.Recent)
	writeJSON(w, http.StatusOK, c)
}

func (h *handler) getStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.src.Status())
}

func (h *handler) getModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Models []ModelView `json:"models"`
	}{nonNil(h.src.Models())})
}

// maxPreferredModels keeps PREFERRED_MODELS a readable .env line.
const maxPreferredModels = 64

type preferredRequest struct {
	Models *[]string `json:"models"`
}

func (h *handler) putPreferred(w http.ResponseWriter, r *http.Request) {
	var req preferredRequest
	if err := decodeJSONBody(w, r, &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	if req.Models == nil {
		writeError(w, http.StatusBadRequest, "missing_field", `field "models" is required (an array of model ids, may be empty)`)
		return
	}
	ids, err := h.validPreferred(*req.Models)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_model", err.Error())
		return
	}
	if err := h.src.SetPreferred(ids); err != nil {
		h.writeSourceError(w, err, "save_failed", "saving preferred models")
		return
	}
	h.getModels(w, r)
}

// validPreferred accepts only ids of the free catalog, so the dashboard can
// never steer routing to a paid model; duplicates keep their first place.
func (h *handler) validPreferred(ids []string) ([]string, error) {
	if len(ids) > maxPreferredModels {
		return nil, fmt.Errorf("at most %d preferred models, got %d", maxPreferredModels, len(ids))
	}
	free := make(map[string]bool)
	for _, m := range h.src.Models() {
		free[m.ID] = true
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if strings.Contains(id, ",") {
			// PREFERRED_MODELS is a comma list: such an id would be saved
			// as two ids and then silently match nothing.
			return nil, fmt.Errorf("model %q contains a comma, which PREFERRED_MODELS cannot hold", id)
		}
		if !free[id] {
			return nil, fmt.Errorf("model %q is not in the free catalog", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func (h *handler) getRequests(w http.ResponseWriter, r *http.Request) {
	limit, err := intQuery(r, "limit", defaultCaptureLimit, 1, maxCaptureLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", err.Error())
		return
	}
	captures, err := h.src.Captures(limit)
	if err != nil {
		h.writeSourceError(w, err, "list_failed", "listing saved calls")
		return
	}
	status := h.src.Status()
	writeJSON(w, http.StatusOK, RequestsView{Debug: status.Debug, Dumps: status.Dumps, Requests: nonNil(captures)})
}

func (h *handler) getRequest(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// capture's own rule, so an id is either a possible capture or a 404,
	// and nothing else (path separators, dot-dot) ever reaches the Source.
	if !capture.ValidID(id) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no saved call %q", id))
		return
	}
	body, err := h.src.Capture(id)
	switch {
	case errors.Is(err, ErrNotFound) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, capture.ErrInvalidID):
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no saved call %q", id))
		return
	case err != nil:
		h.writeSourceError(w, err, "read_failed", fmt.Sprintf("reading saved call %q", id))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

func (h *handler) getMode(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ModeView{Debug: h.src.Status().Debug})
}

type modeRequest struct {
	Debug *bool `json:"debug"`
}

func (h *handler) putMode(w http.ResponseWriter, r *http.Request) {
	var req modeRequest
	if err := decodeJSONBody(w, r, &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	if req.Debug == nil {
		writeError(w, http.StatusBadRequest, "missing_field", `field "debug" is required (true or false)`)
		return
	}
	if err := h.src.SetDebug(*req.Debug); err != nil {
		h.writeSourceError(w, err, "save_failed", "switching debug mode")
		return
	}
	writeJSON(w, http.StatusOK, ModeView{Debug: *req.Debug})
}

// intQuery parses an optional integer query parameter within [lo, hi].
func intQuery(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("query parameter %q must be a whole number from %d to %d, got %q", name, lo, hi, raw)
	}
	return n, nil
}

// nonNil makes empty lists encode as [] rather than null, which keeps the
// page's code free of null checks.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
