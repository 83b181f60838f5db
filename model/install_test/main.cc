// Consumer of an installed portpool: reserves a persistent TCP port range,
// reboots the simulated machine and checks that the reservation survived.
// Built and run by the ctest test `install_test` (scripts/install_test.cmake).
#ifdef _WIN32
#include <winsock2.h>
#else
#include <arpa/inet.h>
#endif

#include <iostream>

#include "portpool/win32.h"

int main() {
  portpool::Machine machine(42);
  portpool::ProcessId admin = machine.StartProcess(/*elevated=*/true);
  portpool::win32::ModelApi api(machine, admin);
  portpool::win32::ULONG64 token = 0;
  auto rc = api.CreatePersistentTcpPortReservation(htons(5000), 10, &token);
  if (rc != 0 || token == 0) {
    std::cerr << "FAIL: CreatePersistentTcpPortReservation(5000, 10) returned "
              << static_cast<unsigned long>(rc) << ", token " << token << "\n";
    return 1;
  }
  machine.Reboot();

  portpool::ProcessId admin2 = machine.StartProcess(/*elevated=*/true);
  portpool::win32::ModelApi api2(machine, admin2);
  portpool::win32::ULONG64 t2 = 0;
  auto rc2 = api2.LookupPersistentTcpPortReservation(htons(5000), 10, &t2);
  if (rc2 != 0 || t2 == 0) {
    std::cerr << "FAIL: after Reboot, LookupPersistentTcpPortReservation(5000, 10) returned "
              << static_cast<unsigned long>(rc2) << ", token " << t2 << "\n";
    return 1;
  }
  std::cout << "OK: persistent TCP reservation 5000+10 (token " << token
            << ") survives Reboot (lookup token " << t2 << ")\n";
  return 0;
}
