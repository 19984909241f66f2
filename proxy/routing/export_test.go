package routing

import "github.com/freelane/freelane/proxy/catalog"

// Candidates is every id Best routes req to, in order.
func Candidates(models []catalog.Model, req Request, preferred []string, h *Health) []string {
	return Best(models, req, preferred, h, len(models)).IDs
}
