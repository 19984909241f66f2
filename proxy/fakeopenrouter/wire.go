package fakeopenrouter

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Wire types of chat completions as OpenRouter sends them (§2, §3). They
// are the fake's own: Freelane's openai package must decode what these
// encode, so sharing types would hide mismatches.

type completion struct {
	ID                string           `json:"id"`
	Object            string           `json:"object"`
	Created           int64            `json:"created"`
	Model             string           `json:"model"`
	Provider          string           `json:"provider"`
	SystemFingerprint *string          `json:"system_fingerprint"`
	Choices           []completionItem `json:"choices"`
	Usage             usage            `json:"usage"`
}

type completionItem struct {
	Index              int          `json:"index"`
	Logprobs           any          `json:"logprobs"`
	FinishReason       string       `json:"finish_reason"`
	NativeFinishReason string       `json:"native_finish_reason"`
	Message            message      `json:"message"`
	Error              *errorObject `json:"error,omitempty"`
}

type message struct {
	Role             string            `json:"role"`
	Content          string            `json:"content"`
	Refusal          *string           `json:"refusal"`
	Reasoning        *string           `json:"reasoning"`
	ReasoningDetails []reasoningDetail `json:"reasoning_details,omitempty"`
	ToolCalls        []toolCall        `json:"tool_calls,omitempty"`
}

type reasoningDetail struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Format string `json:"format"`
	Index  int    `json:"index"`
}

type toolCall struct {
	Index    int          `json:"index"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type chunk struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Created  int64  `json:"created"`
	Model    string `json:"model"`
	Provider string `json:"provider"`
	// ServiceTier is "null" on the usage chunk of captured streams and
	// absent elsewhere.
	ServiceTier json.RawMessage `json:"service_tier,omitempty"`
	Error       *errorObject    `json:"error,omitempty"`
	Choices     []chunkChoice   `json:"choices"`
	Usage       *usage          `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index              int     `json:"index"`
	Delta              delta   `json:"delta"`
	FinishReason       *string `json:"finish_reason"`
	NativeFinishReason *string `json:"native_finish_reason"`
}

type delta struct {
	Content string `json:"content"`
	Role    string `json:"role,omitempty"`
	// Reasoning is raw so the finish chunk of a reasoning stream can carry
	// an explicit null, as captured.
	Reasoning        json.RawMessage   `json:"reasoning,omitempty"`
	ReasoningDetails []reasoningDetail `json:"reasoning_details,omitempty"`
	ToolCalls        []toolCall        `json:"tool_calls,omitempty"`
}

type usage struct {
	PromptTokens            int                     `json:"prompt_tokens"`
	CompletionTokens        int                     `json:"completion_tokens"`
	TotalTokens             int                     `json:"total_tokens"`
	Cost                    float64                 `json:"cost"`
	IsBYOK                  bool                    `json:"is_byok"`
	PromptTokensDetails     promptTokensDetails     `json:"prompt_tokens_details"`
	CostDetails             costDetails             `json:"cost_details"`
	CompletionTokensDetails completionTokensDetails `json:"completion_tokens_details"`
}

type promptTokensDetails struct {
	CachedTokens     int `json:"cached_tokens"`
	CacheWriteTokens int `json:"cache_write_tokens"`
	AudioTokens      int `json:"audio_tokens"`
	VideoTokens      int `json:"video_tokens"`
}

type costDetails struct {
	UpstreamInferenceCost            float64 `json:"upstream_inference_cost"`
	UpstreamInferencePromptCost      float64 `json:"upstream_inference_prompt_cost"`
	UpstreamInferenceCompletionsCost float64 `json:"upstream_inference_completions_cost"`
}

type completionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
	ImageTokens     int `json:"image_tokens"`
	AudioTokens     int `json:"audio_tokens"`
}

// reply is what a behaviour answers: text, reasoning, or one tool call.
type reply struct {
	content   string
	reasoning string
	toolName  string
	toolArgs  string
}

func (r reply) finishReason() string {
	if r.toolName != "" {
		return "tool_calls"
	}
	return "stop"
}

// estimateTokens is a rough count (4 bytes a token) so usage looks real.
func estimateTokens(n int) int { return (n + 3) / 4 }

// usageFor prices a call from the catalog's per-token strings.
func usageFor(m ModelSpec, promptBytes int, r reply) usage {
	prompt := estimateTokens(promptBytes)
	reasoning := estimateTokens(len(r.reasoning))
	completion := estimateTokens(len(r.content)+len(r.toolArgs)) + reasoning
	promptCost := float64(prompt) * price(m.PromptPrice)
	completionCost := float64(completion) * price(m.CompletionPrice)
	return usage{
		PromptTokens:            prompt,
		CompletionTokens:        completion,
		TotalTokens:             prompt + completion,
		Cost:                    promptCost + completionCost,
		CompletionTokensDetails: completionTokensDetails{ReasoningTokens: reasoning},
	}
}

// price parses a per-token price; router sentinels and junk cost nothing.
func price(s string) float64 {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 {
		return 0
	}
	return p
}

// splitPieces cuts text at word boundaries into at most n pieces, the way
// a stream delivers content in a few deltas. Joining the pieces gives text.
func splitPieces(text string, n int) []string {
	words := strings.SplitAfter(text, " ")
	if len(words) <= n {
		return words
	}
	pieces := make([]string, 0, n)
	per := (len(words) + n - 1) / n
	for i := 0; i < len(words); i += per {
		pieces = append(pieces, strings.Join(words[i:min(i+per, len(words))], ""))
	}
	return pieces
}

// providerFor names the provider that "served" a model, from its author.
func providerFor(model string) string {
	author, _, _ := strings.Cut(model, "/")
	switch author {
	case "openai":
		return "OpenAI"
	case "google":
		return "Google AI Studio"
	case "z-ai":
		return "Z.AI"
	case "qwen":
		return "Novita"
	case "mistralai":
		return "Mistral"
	case "openrouter":
		return "Stealth"
	default:
		return "Chutes"
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// generationID builds a "gen-<unix>-<20 characters>" id from a sequence
// number, so ids are unique and deterministic.
func generationID(created int64, seq uint64) string {
	var suffix [20]byte
	for i := len(suffix) - 1; i >= 0; i-- {
		suffix[i] = base62[seq%62]
		seq /= 62
	}
	return "gen-" + strconv.FormatInt(created, 10) + "-" + string(suffix[:])
}
