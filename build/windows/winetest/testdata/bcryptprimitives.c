/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running
 * freelane.exe under wine 8, whose own copy lacks ProcessPrng: the Go
 * runtime loads that function at start-up and stops without it. Built by the
 * wine tests with mingw-w64 and placed in a throwaway wine prefix; it is never
 * shipped.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		length -= chunk;
	}
	return TRUE;
}
