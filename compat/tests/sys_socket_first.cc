// Must not compile: the host's <sys/socket.h>, then the drop-in
// <ws2tcpip.h> (test compat.refuses_sys_socket.sys_socket_first).
#include <sys/socket.h>
#include <ws2tcpip.h>

int main() { return socket(AF_INET, SOCK_STREAM, 0) == INVALID_SOCKET ? 1 : 0; }
