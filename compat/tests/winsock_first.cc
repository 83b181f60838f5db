// Must not compile: the drop-in <winsock2.h>, then the host's <sys/socket.h>
// through <netinet/in.h> (test compat.refuses_sys_socket.winsock_first).
#include <netinet/in.h>
#include <winsock2.h>

int main() { return socket(AF_INET, SOCK_STREAM, 0) == INVALID_SOCKET ? 1 : 0; }
