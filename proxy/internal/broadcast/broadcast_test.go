package broadcast

import "testing"

func TestNotifier(t *testing.T) {
	var n Notifier
	a, unsubA := n.Subscribe()
	b, unsubB := n.Subscribe()

	n.Notify()
	n.Notify() // coalesces with the first: one slot per subscriber
	for name, ch := range map[string]<-chan struct{}{"a": a, "b": b} {
		if _, ok := <-ch; !ok {
			t.Fatalf("%s: channel closed, want a notification", name)
		}
		select {
		case <-ch:
			t.Errorf("%s: two notifications queued, want them coalesced", name)
		default:
		}
	}

	unsubA()
	unsubA() // twice is harmless
	if _, ok := <-a; ok {
		t.Error("an unsubscribed channel is still open")
	}
	n.Notify()
	if _, ok := <-b; !ok {
		t.Error("b missed a notification after a unsubscribed")
	}

	n.Close()
	if _, ok := <-b; ok {
		t.Error("Close left a subscriber's channel open")
	}
	unsubB() // after Close: harmless
	late, unsubLate := n.Subscribe()
	defer unsubLate()
	if _, ok := <-late; ok {
		t.Error("a subscription after Close is open")
	}
	n.Notify() // after Close: harmless
}
