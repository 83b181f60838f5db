// Part of portpool compat's drop-in headers (docs/drop-in.md): with the
// drop-in folder on the include path, `#include <sys/socket.h>` (direct, or
// from <netinet/in.h>, <arpa/inet.h>, <netdb.h>) comes here first. A source
// file that already has the drop-in Windows sockets headers gets a clear
// error; any other passes straight on to the host's <sys/socket.h>.
#pragma GCC system_header

#ifdef PORTPOOL_COMPAT_WINDOWS_SOCKETS
#error \
    "portpool compat: this source file includes a drop-in Windows sockets header (<winsock2.h>, <ws2tcpip.h>, ...) and then <sys/socket.h> (perhaps through <netinet/in.h>, <arpa/inet.h> or <netdb.h>). The Windows sockets answered by the portpool model and the host's POSIX sockets declare socket, bind and sockaddr differently and cannot share a source file: keep Windows code and POSIX code in separate files (see docs/drop-in.md)."
#else
#include_next <sys/socket.h>
#endif
