package anthropic

import (
	"unicode/utf8"
)

// Token estimate constants: about four characters per token for English
// and code (the usual rule of thumb for BPE tokenizers), a fixed cost per
// message for its role and framing, and Anthropic's documented upper bound
// for one image.
const (
	charsPerToken   = 4
	tokensPerTurn   = 4
	tokensPerImage  = 1600
	tokensPerPDFB64 = 100 // per 4 KB of base64 PDF, a rough page share
)

// CountTokens estimates the input tokens of a request: the characters of
// the system prompt, of every text, tool input and tool result, and of the
// tool definitions (names, descriptions, schemas) divided by four, plus a
// few tokens per message and a flat 1,600 per image. Free models use
// different tokenizers, so an exact count is not possible; the estimate is
// meant for context-window bookkeeping.
func CountTokens(req *Request) int {
	chars, fixed := 0, 0
	if s, err := systemText(req.System); err == nil {
		chars += utf8.RuneCountInString(s)
	}
	for _, m := range req.Messages {
		fixed += tokensPerTurn
		blocks, err := blocksOf(m.Content)
		if err != nil {
			continue
		}
		c, f := countBlocks(blocks)
		chars, fixed = chars+c, fixed+f
	}
	for _, t := range req.Tools {
		chars += utf8.RuneCountInString(t.Name) + utf8.RuneCountInString(t.Description) + len(t.InputSchema)
	}
	return fixed + (chars+charsPerToken-1)/charsPerToken
}

func countBlocks(blocks []Block) (chars, fixed int) {
	for _, b := range blocks {
		switch b.Type {
		case "text":
			chars += utf8.RuneCountInString(b.Text)
		case "image":
			fixed += tokensPerImage
		case "document":
			if b.Source != nil {
				if b.Source.Type == "text" {
					chars += utf8.RuneCountInString(b.Source.Data)
				} else {
					fixed += tokensPerPDFB64 * (len(b.Source.Data)/4096 + 1)
				}
			}
		case "tool_use":
			chars += len(b.Name) + len(b.Input)
		case "tool_result":
			if inner, err := blocksOf(b.Content); err == nil {
				c, f := countBlocks(inner)
				chars, fixed = chars+c, fixed+f
			}
		case "thinking":
			// Dropped before the model sees it.
		}
	}
	return chars, fixed
}
