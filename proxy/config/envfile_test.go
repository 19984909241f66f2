package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

func TestSetEnvValue(t *testing.T) {
	tests := []struct {
		name       string
		before     string
		key, value string
		want       string
	}{
		{
			name:   "replaces_in_place_keeping_comments",
			before: "# Freelane settings\nOPENROUTER_API_KEY=sk-or-abc # my key\n\n# models\nPREFERRED_MODELS=a\nLOG_LEVEL=info\n",
			key:    "PREFERRED_MODELS", value: "x/y:free,z/w:free",
			want: "# Freelane settings\nOPENROUTER_API_KEY=sk-or-abc # my key\n\n# models\nPREFERRED_MODELS=x/y:free,z/w:free\nLOG_LEVEL=info\n",
		},
		{
			name:   "appends_when_missing",
			before: "# only a comment\nLOG_LEVEL=info\n",
			key:    "PREFERRED_MODELS", value: "a/b:free",
			want: "# only a comment\nLOG_LEVEL=info\nPREFERRED_MODELS=a/b:free\n",
		},
		{
			name:   "appends_after_missing_final_newline",
			before: "LOG_LEVEL=info",
			key:    "PREFERRED_MODELS", value: "a",
			want: "LOG_LEVEL=info\nPREFERRED_MODELS=a\n",
		},
		{
			name: "creates_file", key: "PREFERRED_MODELS", value: "a",
			want: "PREFERRED_MODELS=a\n",
		},
		{
			name:   "keeps_crlf",
			before: "# c\r\nPREFERRED_MODELS=a\r\nLOG_LEVEL=info\r\n",
			key:    "LOG_LEVEL", value: "debug",
			want: "# c\r\nPREFERRED_MODELS=a\r\nLOG_LEVEL=debug\r\n",
		},
		{
			name:   "export_prefix_and_spaces",
			before: "export PREFERRED_MODELS = a\n",
			key:    "PREFERRED_MODELS", value: "b",
			want: "PREFERRED_MODELS=b\n",
		},
		{
			name:   "does_not_match_longer_key",
			before: "PREFERRED_MODELS_OLD=a\n",
			key:    "PREFERRED_MODELS", value: "b",
			want: "PREFERRED_MODELS_OLD=a\nPREFERRED_MODELS=b\n",
		},
		{
			name:   "commented_out_key_stays",
			before: "# PREFERRED_MODELS=a\n",
			key:    "PREFERRED_MODELS", value: "b",
			want: "# PREFERRED_MODELS=a\nPREFERRED_MODELS=b\n",
		},
		{
			name:   "replaces_multiline_quoted_value",
			before: "A=1\nPREFERRED_MODELS=\"a,\nb\"\nB=2\n",
			key:    "PREFERRED_MODELS", value: "c",
			want: "A=1\nPREFERRED_MODELS=c\nB=2\n",
		},
		{
			name: "quotes_when_needed", key: "PREFERRED_MODELS", value: `a b #c "d" $HOME \x`,
			want: `PREFERRED_MODELS="a b #c \"d\" \$HOME \\x"` + "\n",
		},
		{
			name: "empty_value", before: "PREFERRED_MODELS=a\n", key: "PREFERRED_MODELS", value: "",
			want: "PREFERRED_MODELS=\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.before != "" {
				writeEnvFile(t, home, tt.before)
			}
			if err := SetEnvValue(home, tt.key, tt.value); err != nil {
				t.Fatalf("SetEnvValue: %v", err)
			}
			data, err := os.ReadFile(filepath.Join(home, EnvFileName))
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("file:\n%q\nwant:\n%q", data, tt.want)
			}
			parsed, err := godotenv.Unmarshal(string(data))
			if err != nil {
				t.Fatalf("result does not parse: %v", err)
			}
			if parsed[tt.key] != tt.value {
				t.Errorf("reads back %q, want %q", parsed[tt.key], tt.value)
			}
		})
	}
}

func TestSetEnvValue_RoundTripsAwkwardValues(t *testing.T) {
	values := []string{
		"plain", "with space", "  padded  ", `"quoted"`, `'single'`, `back\slash`, `ends\`,
		"line1\nline2", "dollar $VAR ${X}", "hash # not a comment", "ünïcödé", "=equals=",
	}
	home := t.TempDir()
	writeEnvFile(t, home, "# keep me\nOTHER=1\n")
	for _, v := range values {
		if err := SetEnvValue(home, "VALUE", v); err != nil {
			t.Errorf("SetEnvValue(%q): %v", v, err)
			continue
		}
		parsed, err := godotenv.Read(filepath.Join(home, EnvFileName))
		if err != nil {
			t.Fatalf("after %q: %v", v, err)
		}
		if parsed["VALUE"] != v || parsed["OTHER"] != "1" || len(parsed) != 2 {
			t.Errorf("after setting %q the file reads %q", v, parsed)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(home, EnvFileName)); !strings.HasPrefix(string(data), "# keep me\n") {
		t.Errorf("comment lost: %q", data)
	}
}

func TestSetEnvValue_RejectsBadKey(t *testing.T) {
	for _, key := range []string{"", "1ABC", "A-B", "A B", "A=B"} {
		if err := SetEnvValue(t.TempDir(), key, "x"); err == nil {
			t.Errorf("SetEnvValue accepted key %q", key)
		}
	}
}

func TestSetEnvValue_FileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits do not apply")
	}
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file yet
		want     os.FileMode
	}{
		{"new_file_is_private", 0, 0o600},
		{"keeps_existing_mode", 0o640, 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, EnvFileName)
			if tt.existing != 0 {
				writeEnvFile(t, home, "A=1\n")
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := SetEnvValue(home, "B", "2"); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tt.want {
				t.Errorf("mode = %#o, want %#o", got, tt.want)
			}
			entries, _ := os.ReadDir(home)
			if len(entries) != 1 {
				t.Errorf("home holds %d entries, want only .env (temporary file left behind?)", len(entries))
			}
		})
	}
}

func TestSetEnvValue_UnrepresentableValueIsRefusedWithoutEcho(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "A=1\n")
	const value = `sk-or-secret #comment\` // no .env quoting reads this back exactly
	err := SetEnvValue(home, "OPENROUTER_API_KEY", value)
	if err == nil {
		t.Fatal("SetEnvValue accepted a value godotenv cannot read back")
	}
	if strings.Contains(err.Error(), "sk-or-secret") {
		t.Errorf("error echoes the value: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(home, EnvFileName)); string(data) != "A=1\n" {
		t.Errorf(".env changed to %q", data)
	}
}

// A .env that is a symbolic link (kept in a dotfiles folder, say) stays a
// link: the save writes through it to the file it points to.
func TestSetEnvValue_WritesThroughASymlink(t *testing.T) {
	home, dotfiles := t.TempDir(), t.TempDir()
	target := filepath.Join(dotfiles, "freelane.env")
	if err := os.WriteFile(target, []byte("LOG_LEVEL=info\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, EnvFileName)
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot create a symbolic link here: %v", err)
	}
	if err := SetEnvValue(home, "PREFERRED_MODELS", "a/b:free"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Lstat(link)
	if err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf(".env is no longer a symbolic link (mode %v, %v)", info.Mode(), err)
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if want := "LOG_LEVEL=info\nPREFERRED_MODELS=a/b:free\n"; string(got) != want {
		t.Errorf("link target = %q, want %q", got, want)
	}
}
