package anthropic

import "strings"

// Family is a Claude model class: "opus", "sonnet" or "haiku"; "" for any
// other name.
func Family(model string) string {
	m := strings.ToLower(model)
	m = strings.TrimPrefix(m, "anthropic/")
	if !strings.HasPrefix(m, "claude") {
		return ""
	}
	for _, f := range [...]string{"opus", "sonnet", "haiku"} {
		if strings.Contains(m, f) {
			return f
		}
	}
	return ""
}

// ResolveModel returns the model to route for a requested name: the free
// model pinned for its Claude family (pins maps family to model id), else
// the name itself, which routing treats like any paid name (the preferred
// and healthiest free models answer).
func ResolveModel(model string, pins map[string]string) string {
	if pin := pins[Family(model)]; pin != "" {
		return pin
	}
	return model
}
