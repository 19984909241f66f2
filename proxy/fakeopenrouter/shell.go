package fakeopenrouter

import (
	"encoding/json"
	"strings"
)

// Behaviours for agent clients (Codex) that run tools between calls.

// shellArguments builds the arguments of a call that runs command, for
// each shape of shell tool Codex offers: "exec_command" (unified exec),
// "shell_command" (one string) and "shell" (argv).
var shellArguments = map[string]func(command string) any{
	"exec_command":  func(c string) any { return map[string]any{"cmd": c} },
	"shell_command": func(c string) any { return map[string]any{"command": c} },
	"shell":         func(c string) any { return map[string]any{"command": []string{"bash", "-lc", c}} },
}

// RunShell asks the client to run command with the shell tool it offers
// (see shellArguments). A request without one is answered with text that
// says so, which a test then sees.
func RunShell(command string) Behavior {
	return Behavior{name: "RunShell", run: func(x *exchange) {
		var tools []struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		_ = json.Unmarshal(x.req.Tools, &tools)
		for _, t := range tools {
			if args, ok := shellArguments[t.Function.Name]; ok {
				b, _ := json.Marshal(args(command))
				x.answer(reply{toolName: t.Function.Name, toolArgs: string(b)})
				return
			}
		}
		x.answer(reply{content: "the request offered no shell tool"})
	}}
}

// EchoLastMessage answers prefix followed by the text of the request's last
// message: after a tool call, the tool's output, so a test sees that the
// output came back.
func EchoLastMessage(prefix string) Behavior {
	return Behavior{name: "EchoLastMessage", run: func(x *exchange) {
		text := ""
		if n := len(x.req.Messages); n > 0 {
			text = messageText(x.req.Messages[n-1].Content)
		}
		x.answer(reply{content: prefix + text})
	}}
}

// messageText is a message content's text: the string, or its text parts.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}
