package dashboard

// StatusError is an error a Source returns when a change cannot be made for
// a reason the user must see and fix, such as a setting pinned by the
// environment. The dashboard answers it with Status and an OpenAI-style
// error carrying Code and Message, instead of a generic 500.
type StatusError struct {
	Status  int    // HTTP status of the answer, e.g. http.StatusConflict
	Code    string // OpenAI-style error code, e.g. "preferred_models_pinned"
	Message string // shown to the user as is, so it must hold no secret
}

func (e *StatusError) Error() string { return e.Message }
