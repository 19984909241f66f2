package fakeopenrouter

// Call is one tool call of a scripted answer.
type Call struct {
	Name string
	Args string // JSON arguments
}

// ToolCalls replies with several tool calls in one answer (streamed one
// after another, each with its own index), and finish_reason "tool_calls".
func ToolCalls(calls ...Call) Behavior {
	return Behavior{name: "ToolCalls", run: func(x *exchange) {
		first := reply{toolName: calls[0].Name, toolArgs: calls[0].Args}
		if !x.req.Stream {
			c := x.completion(first, nil)
			msg := &c.Choices[0].Message
			msg.ToolCalls = nil
			for i, call := range calls {
				msg.ToolCalls = append(msg.ToolCalls, toolCall{ID: x.indexedCallID(i), Type: "function", Function: toolFunction{Name: call.Name, Arguments: call.Args}})
			}
			x.writeCompletion(c)
			return
		}
		x.startStream()
		for i, call := range calls {
			x.event(x.chunk(delta{Role: "assistant", ToolCalls: []toolCall{{
				Index: i, ID: x.indexedCallID(i), Type: "function", Function: toolFunction{Name: call.Name},
			}}}, nil))
			for _, piece := range splitPieces(call.Args, contentPieces) {
				x.event(x.chunk(delta{Role: "assistant", ToolCalls: []toolCall{{Index: i, Function: toolFunction{Arguments: piece}}}}, nil))
			}
		}
		x.finish(first)
	}}
}

func (x *exchange) indexedCallID(i int) string {
	return x.toolCallID() + "_" + string(rune('a'+i%26))
}

// AgentTurn acts as a coding agent's model: while the conversation's last
// message is not a tool result, it asks for the tool name with args; once
// the tool has answered, it replies prefix followed by the tool's output
// (see EchoLastMessage), so a test sees that the tool really ran.
func AgentTurn(name, args, prefix string) Behavior {
	return Behavior{name: "AgentTurn", run: func(x *exchange) {
		msgs := x.req.Messages
		if len(msgs) == 0 || msgs[len(msgs)-1].Role != "tool" {
			x.answer(reply{toolName: name, toolArgs: args})
			return
		}
		EchoLastMessage(prefix).run(x)
	}}
}

// HoldUntil waits, before any header, until ch is closed (or the client
// cancels, reported on Cancelled), then runs next: a model that takes its
// time to start, released by the test.
func HoldUntil(ch <-chan struct{}, next Behavior) Behavior {
	return Behavior{name: "HoldUntil(" + next.String() + ")", run: func(x *exchange) {
		select {
		case <-ch:
			x.serveNext(next)
		case <-x.r.Context().Done():
			x.cancelled()
		case <-x.s.done:
			x.abort()
		}
	}}
}
