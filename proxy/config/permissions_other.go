//go:build !unix

package config

// PermissionWarning returns "": outside unix the file mode bits do not
// describe who can read the file (Windows uses ACLs, which the user
// profile folder already restricts).
func PermissionWarning(home string) string {
	return ""
}
