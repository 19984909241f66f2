// The dashboard's one shared state: what the views last loaded and the
// user's unsaved edits.

export const state = {
  tab: "overview",
  stats: null,
  status: null,
  concurrency: null,
  models: [],
  modelsSignature: "",
  preferredDraft: null, // ordered ids while the user edits, else null
  requests: null,
  requestsSignature: "",
  selectedRequest: null,
};
