/*
 * Test-only: sends mouse and keyboard input to wine's desktop, to open the
 * tray icon's menu and pick an item.
 *
 *   input.exe click left|right X Y
 *   input.exe keys up|down|enter|escape...
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

static int send_input(INPUT *input, UINT n)
{
	return SendInput(n, input, sizeof(INPUT)) == n ? 0 : 1;
}

static int click(const char *button, int x, int y)
{
	INPUT input[2];

	if (!SetCursorPos(x, y))
		return 1;
	ZeroMemory(input, sizeof(input));
	input[0].type = input[1].type = INPUT_MOUSE;
	input[0].mi.dwFlags = strcmp(button, "right") == 0 ? MOUSEEVENTF_RIGHTDOWN : MOUSEEVENTF_LEFTDOWN;
	input[1].mi.dwFlags = strcmp(button, "right") == 0 ? MOUSEEVENTF_RIGHTUP : MOUSEEVENTF_LEFTUP;
	return send_input(input, 2);
}

static int key(const char *name)
{
	INPUT input[2];
	WORD vk;

	if (strcmp(name, "up") == 0)
		vk = VK_UP;
	else if (strcmp(name, "down") == 0)
		vk = VK_DOWN;
	else if (strcmp(name, "enter") == 0)
		vk = VK_RETURN;
	else if (strcmp(name, "escape") == 0)
		vk = VK_ESCAPE;
	else
		return 64;
	ZeroMemory(input, sizeof(input));
	input[0].type = input[1].type = INPUT_KEYBOARD;
	input[0].ki.wVk = input[1].ki.wVk = vk;
	input[1].ki.dwFlags = KEYEVENTF_KEYUP;
	Sleep(100); /* let the menu take the previous key */
	return send_input(input, 2);
}

int main(int argc, char **argv)
{
	int i, rc;

	if (argc == 5 && strcmp(argv[1], "click") == 0)
		return click(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc >= 3 && strcmp(argv[1], "keys") == 0) {
		for (i = 2; i < argc; i++)
			if ((rc = key(argv[i])) != 0)
				return rc;
		return 0;
	}
	return 64;
}
