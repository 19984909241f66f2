//go:build !unix

package regularfile

// nonBlock is 0: opening a file does not block here.
const nonBlock = 0
