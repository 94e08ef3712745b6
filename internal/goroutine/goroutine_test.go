package goroutine

import (
	"sync"
	"testing"
)

func TestIDIsStableAndDistinct(t *testing.T) {
	if ID() != ID() || ID() == 0 {
		t.Fatal("ID changes within one goroutine, or is 0")
	}
	const n = 50
	ids := make([]uintptr, n)
	var wg, ready sync.WaitGroup
	release := make(chan struct{})
	for i := range n {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			first := ID()
			ready.Done()
			<-release // all alive at once
			if ID() != first {
				t.Error("ID changed across a blocking receive")
			}
			ids[i] = first
		}()
	}
	ready.Wait()
	close(release)
	wg.Wait()
	seen := map[uintptr]bool{ID(): true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("two live goroutines share ID %#x", id)
		}
		seen[id] = true
	}
}

func TestStackIDParses(t *testing.T) {
	if stackID() == 0 || stackID() != stackID() {
		t.Fatal("stackID is 0 or unstable")
	}
}

func BenchmarkID(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = ID()
	}
}
