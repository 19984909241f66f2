package openai

// Model is one entry of the OpenAI models list (GET /v1/models). The fields
// after OwnedBy are OpenRouter extras that OpenAI clients ignore and richer
// clients use to pick a model.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // always "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`

	Name                string   `json:"name,omitempty"`
	ContextLength       int      `json:"context_length,omitempty"`
	MaxCompletionTokens int      `json:"max_completion_tokens,omitempty"`
	InputModalities     []string `json:"input_modalities,omitempty"`
	SupportedParameters []string `json:"supported_parameters,omitempty"`
}

// ModelList is the OpenAI list envelope for models.
type ModelList struct {
	Object string  `json:"object"` // always "list"
	Data   []Model `json:"data"`
}
