package routing

import "github.com/freelane/freelane/proxy/catalog"

// CapacityHint explains, for a client-facing error, why no free model can
// serve a request with these needs. It returns "" when some model can.
func CapacityHint(models []catalog.Model, needs Needs) string {
	var free, tools, vision bool
	for _, m := range models {
		if !catalog.IsFreeID(m.ID) {
			continue
		}
		free = true
		if needs.metBy(m) {
			return ""
		}
		tools = tools || m.Tools
		vision = vision || m.Vision
	}
	missingTools, missingVision := needs.Tools && !tools, needs.Vision && !vision
	switch {
	case !free:
		return "no free models are known yet: the model list has not been fetched from OpenRouter; " +
			"check the network connection and try again shortly"
	case missingTools && missingVision:
		return "no free model supports tool calls or images right now; " +
			"send the request without tools and images or try again later"
	case missingTools:
		return "no free model supports tool calls right now; send the request without tools or try again later"
	case missingVision:
		return "no free model accepts images right now; send the request without images or try again later"
	default:
		return "no free model supports both tool calls and images right now; " +
			"send the request without tools or without images"
	}
}
