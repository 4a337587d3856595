package booking

// PauseKind names the calls to a provider that one of its rate limits holds up (Throttled).
// While a provider is paused for a kind (Store.Pause), the reconciler makes none of those calls:
// every worker waits for the pause's end together instead of each being refused in turn.
type PauseKind string

// The kinds of pause.
const (
	// PauseAll holds every call: a budget that every request spends, such as Whereby's points a
	// minute or Zoom's requests a second. A 429 pauses all calls unless it names a narrower limit.
	PauseAll PauseKind = "all"
	// PauseCreate holds only the calls that make or move a room (CreateRoom, UpdateRoom): Zoom's
	// cap of meetings created or updated per host a day. Deleting and listing rooms go on.
	PauseCreate PauseKind = "create"
)
