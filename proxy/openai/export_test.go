package openai

// InspectChatRequest is InspectChatBody without the body.
func InspectChatRequest(body []byte) (ChatRequest, error) {
	req, _, err := InspectChatBody(body)
	return req, err
}
