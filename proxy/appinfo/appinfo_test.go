package appinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse_RepositoryFyneAppTOML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(FyneApp.toml): %v", err)
	}
	if info.Name != "Freelane" || info.ID != "io.github.freelane.freelane" {
		t.Errorf("Name, ID = %q, %q; want Freelane, io.github.freelane.freelane", info.Name, info.ID)
	}
	if !isSemver(info.Version) || info.Build < 1 {
		t.Errorf("Version, Build = %q, %d; want a semantic version and a positive build", info.Version, info.Build)
	}
	if _, err := os.Stat(filepath.Join("..", "..", filepath.FromSlash(info.Icon))); err != nil {
		t.Errorf("Icon %q: %v", info.Icon, err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    Info
		wantErr string
	}{
		{
			name: "details_between_other_tables",
			doc: `Website = "https://example.org" # top-level keys come first
[Source]
Version = "9.9.9"
[Details]
Name = "Freelane"
ID = 'io.github.freelane.freelane'
Version = "1.2.3" # the release
Build = 1_024
Icon = "assets/icons/app-512.png"
[LinuxAndBSD]
Categories = [
  "Network",
  "Utility",
]
Version = "0.0.0"
`,
			want: Info{Name: "Freelane", ID: "io.github.freelane.freelane", Version: "1.2.3", Build: 1024, Icon: "assets/icons/app-512.png"},
		},
		{
			name: "escapes_and_hash_inside_string",
			doc:  "[Details]\nName = \"Free \\\"lane\\\" #1\"\nID = \"a.b\"\nVersion = \"0.1.0-rc.1+exp\"\n",
			want: Info{Name: `Free "lane" #1`, ID: "a.b", Version: "0.1.0-rc.1+exp"},
		},
		{
			name: "unknown_keys_are_ignored",
			doc:  "[Details]\nName = \"F\"\nID = \"a.b\"\nVersion = \"0.1.0\"\nFuture = true\n",
			want: Info{Name: "F", ID: "a.b", Version: "0.1.0"},
		},
		{
			name:    "missing_version",
			doc:     "[Details]\nName = \"F\"\nID = \"a.b\"\n",
			wantErr: "lacks Version",
		},
		{
			name:    "details_absent",
			doc:     "[LinuxAndBSD]\nGenericName = \"x\"\n",
			wantErr: "lacks Name, ID, Version",
		},
		{
			name:    "version_not_semver",
			doc:     "[Details]\nName = \"F\"\nID = \"a.b\"\nVersion = \"1.2\"\n",
			wantErr: "not MAJOR.MINOR.PATCH",
		},
		{
			name:    "unquoted_string",
			doc:     "[Details]\nName = Freelane\n",
			wantErr: "line 2",
		},
		{
			name:    "negative_build",
			doc:     "[Details]\nBuild = -1\n",
			wantErr: "Build -1 is negative",
		},
		{
			name:    "duplicate_key",
			doc:     "[Details]\nName = \"a\"\nName = \"b\"\n",
			wantErr: "line 3",
		},
		{
			name:    "malformed_header",
			doc:     "[Details\nName = \"a\"\n",
			wantErr: "end table name",
		},
		{
			name:    "line_without_equals",
			doc:     "[Details]\nName\n",
			wantErr: "line 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}
