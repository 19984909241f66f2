package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/freelane/freelane/proxy/regularfile"
	"os"
)

// journalScan describes what replaying a journal found.
type journalScan struct {
	size       int64 // file length
	validBytes int64 // end of the last complete (newline-terminated) line
	calls      int   // complete lines that decoded into a call
	badLines   int   // complete lines that did not
}

// tornBytes is the length of an unterminated last line: a write that was cut
// short. Record writes a line and its newline in one write(2), so such a tail
// was never acknowledged as recorded.
func (s journalScan) tornBytes() int64 { return s.size - s.validBytes }

// replayJournal calls each for every call in the journal at path, in order.
func replayJournal(path string, each func(Call)) (journalScan, error) {
	data, err := regularfile.ReadFile(path)
	if err != nil {
		return journalScan{}, fmt.Errorf("reading call journal: %w", err)
	}
	scan := journalScan{size: int64(len(data))}
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			break
		}
		line := data[off : off+end]
		off += end + 1
		scan.validBytes = int64(off)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var c Call
		if err := json.Unmarshal(line, &c); err != nil || !c.Outcome.valid() {
			scan.badLines++
			continue
		}
		scan.calls++
		each(c)
	}
	return scan, nil
}

// openJournal opens the journal for appending. O_APPEND makes every write
// land at the current end of the file in one step.
func openJournal(path string) (*os.File, error) {
	f, err := regularfile.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, filePermission)
	if err != nil {
		return nil, fmt.Errorf("opening call journal: %w", err)
	}
	return f, nil
}
