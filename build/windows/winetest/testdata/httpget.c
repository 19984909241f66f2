/*
 * Test-only: a Windows process that asks Freelane for a page, so that the
 * dashboard's check of the connection's owner runs against a Windows
 * client. Usage: httpget.exe PORT PATH. Prints the answer's status code.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	WSADATA wsa;
	SOCKET s;
	struct sockaddr_in addr;
	char request[512], answer[64];
	int n, got = 0;

	if (argc != 3 || WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return 64;
	s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		return 1;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return 1;
	snprintf(request, sizeof(request),
		"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n", argv[2], argv[1]);
	if (send(s, request, (int)strlen(request), 0) <= 0)
		return 1;
	while (got < (int)sizeof(answer) - 1 && (n = recv(s, answer + got, sizeof(answer) - 1 - got, 0)) > 0)
		got += n;
	answer[got] = 0;
	closesocket(s);
	WSACleanup();
	/* "HTTP/1.1 200 OK": the code starts at the ninth byte. */
	if (got < 12)
		return 1;
	printf("%.3s\n", answer + 9);
	return 0;
}
