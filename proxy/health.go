package proxy

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/catalog"
	"github.com/freelane/freelane/proxy/openai"
)

// AutoModel is the alias clients may name to let Freelane choose.
const AutoModel = "auto"

// Health is the /health document. It never contains the key, only whether
// one is set.
type Health struct {
	Status        string   `json:"status"` // "ok" or "degraded"
	Problems      []string `json:"problems,omitempty"`
	Version       string   `json:"version"`
	PID           int      `json:"pid"`
	UptimeSeconds int64    `json:"uptime_seconds"`
	ListenAddr    string   `json:"listen_addr"`
	// Home and EnvFile say which folder and settings file are in use, for
	// troubleshooting (paths only; never anything read from them).
	Home       string        `json:"home"`
	EnvFile    string        `json:"env_file"`
	KeyPresent bool          `json:"key_present"`
	Debug      bool          `json:"debug"`
	CallsToday int           `json:"calls_today"`
	Catalog    CatalogHealth `json:"catalog"`
	FreeLeft   *int          `json:"free_requests_left,omitempty"`
	// StatsError is why calls are not being saved to CACHE_DIR, if so.
	StatsError string `json:"stats_error,omitempty"`
}

// CatalogHealth describes the free model list.
type CatalogHealth struct {
	Models     int     `json:"models"`
	Source     string  `json:"source"`
	AgeSeconds *int64  `json:"age_seconds,omitempty"`
	LastError  string  `json:"last_error,omitempty"`
	FetchedAt  *string `json:"fetched_at,omitempty"`
}

// HealthReport builds the /health document.
func (s *Server) HealthReport() Health {
	st := s.Status()
	info := s.catalog.Info()
	h := Health{
		Status:        "ok",
		Version:       s.opts.Version,
		PID:           os.Getpid(),
		UptimeSeconds: int64(s.now().Sub(s.started).Seconds()),
		ListenAddr:    st.Addr,
		Home:          st.HomeDir,
		EnvFile:       st.ConfigFile,
		KeyPresent:    s.config().APIKey != "",
		Debug:         st.Debug,
		CallsToday:    st.Calls,
		Catalog:       CatalogHealth{Models: info.Count, Source: info.Source, LastError: info.LastError},
	}
	if !info.FetchedAt.IsZero() {
		age := int64(s.now().Sub(info.FetchedAt).Seconds())
		at := info.FetchedAt.UTC().Format(time.RFC3339)
		h.Catalog.AgeSeconds, h.Catalog.FetchedAt = &age, &at
	}
	if st.FreeLeft >= 0 {
		h.FreeLeft = &st.FreeLeft
	}
	if st.Problem != ProblemNone {
		h.Problems = append(h.Problems, string(st.Problem))
	}
	if err := s.stats.SaveError(); err != nil {
		if st.Problem != ProblemStatsNotSaved {
			h.Problems = append(h.Problems, string(ProblemStatsNotSaved))
		}
		h.StatsError = err.Error()
	}
	if info.Count == 0 {
		h.Problems = append(h.Problems, "no_free_models_loaded")
	}
	if len(h.Problems) > 0 {
		h.Status = "degraded"
	}
	return h
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.HealthReport())
}

// handleModels lists the free models in OpenAI's format, led by "auto".
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	models := s.catalog.Models()
	list := openai.ModelList{Object: "list", Data: make([]openai.Model, 0, len(models)+1)}
	list.Data = append(list.Data, openai.Model{ID: AutoModel, Object: "model", OwnedBy: "freelane", Created: s.started.Unix()})
	for _, m := range models {
		list.Data = append(list.Data, modelEntry(m))
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == AutoModel {
		writeJSON(w, http.StatusOK, openai.Model{ID: AutoModel, Object: "model", OwnedBy: "freelane", Created: s.started.Unix()})
		return
	}
	m, ok := s.catalog.Lookup(id)
	if !ok {
		openai.WriteError(w, http.StatusNotFound, "model_not_found",
			"The model "+id+" is not one of OpenRouter's free models right now; name a model from /v1/models or use \"auto\".")
		return
	}
	writeJSON(w, http.StatusOK, modelEntry(m))
}

func modelEntry(m catalog.Model) openai.Model {
	owner, _, ok := strings.Cut(m.ID, "/")
	if !ok {
		owner = "openrouter"
	}
	return openai.Model{ID: m.ID, Object: "model", OwnedBy: owner, Created: m.Created}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
