/*
 * Test-only: ends the process whose id is the first argument with exit code
 * 2, as a Go panic does. (wine's taskkill /F ends a process with exit code 0,
 * which the supervisor rightly takes for a normal exit.)
 */
#include <windows.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	HANDLE process;

	if (argc != 2)
		return 64;
	process = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)strtoul(argv[1], NULL, 10));
	if (process == NULL)
		return 1;
	return TerminateProcess(process, 2) ? 0 : 1;
}
