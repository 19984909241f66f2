package anthropic

import "time"

// ModelInfo is one entry of Anthropic's models list.
type ModelInfo struct {
	Type        string `json:"type"` // "model"
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"` // RFC 3339
}

// ModelPage is Anthropic's list envelope.
type ModelPage struct {
	Data    []ModelInfo `json:"data"`
	HasMore bool        `json:"has_more"`
	FirstID *string     `json:"first_id"`
	LastID  *string     `json:"last_id"`
}

// NewModelInfo is a list entry; created is Unix seconds.
func NewModelInfo(id, name string, created int64) ModelInfo {
	if name == "" {
		name = id
	}
	return ModelInfo{Type: "model", ID: id, DisplayName: name, CreatedAt: time.Unix(created, 0).UTC().Format(time.RFC3339)}
}

// Page returns the page of all after afterID or before beforeID (ids; ""
// for none), at most limit entries (1 to 1000, default 20).
func Page(all []ModelInfo, limit int, afterID, beforeID string) ModelPage {
	if limit < 1 || limit > 1000 {
		limit = 20
	}
	start, end := 0, len(all)
	for i, m := range all {
		if afterID != "" && m.ID == afterID {
			start = i + 1
		}
		if beforeID != "" && m.ID == beforeID {
			end = i
		}
	}
	if start > end {
		start = end
	}
	page := ModelPage{Data: []ModelInfo{}}
	if beforeID != "" && afterID == "" {
		start = max(end-limit, 0)
		page.HasMore = start > 0
	} else {
		page.HasMore = end-start > limit
		end = min(end, start+limit)
	}
	page.Data = append(page.Data, all[start:end]...)
	if len(page.Data) > 0 {
		first, last := page.Data[0].ID, page.Data[len(page.Data)-1].ID
		page.FirstID, page.LastID = &first, &last
	}
	return page
}
