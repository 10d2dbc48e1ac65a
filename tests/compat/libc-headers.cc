/*
 * A C++17 program that includes every public ntosim header and uses them
 * as a QNX C++ program does: a message-passing round trip (a std::thread
 * server on a channel, MsgSend from main), a pulse read through
 * sival_long, rcvid_t, the libc extensions, and std::min/std::max, which
 * only compile because QNX's min/max macros are C-only.
 */
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <atomic.h>
#include <dirent.h>
#include <errno.h>
#include <gulliver.h>
#include <process.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dispatch.h>
#include <sys/ftype.h>
#include <sys/iofunc.h>
#include <sys/iomgr.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/netmgr.h>
#include <sys/ntosim.h>
#include <sys/platform.h>
#include <sys/resmgr.h>
#include <sys/siginfo.h>
#include <sys/srcversion.h>
#include <sys/states.h>
#include <sys/wait.h>
#include <unistd.h>

__SRCVERSION("libc-headers.cc $Rev: 1 $")

#define FAIL(...)                                                    \
	do {                                                         \
		std::fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		std::fprintf(stderr, __VA_ARGS__);                   \
		std::fputc('\n', stderr);                            \
		std::exit(1);                                        \
	} while (0)

namespace
{

struct request {
	_Uint16t type;
	char text[32];
};

constexpr _Uint16t MSG_UPPER = _IO_MAX + 1;
constexpr int CODE_QUIT = _PULSE_CODE_MINAVAIL + 1;

// The server: upper-cases each request; quits on the QUIT pulse and
// reports the pulse's value as read through sival_long.
void serve(int chid, long *quit_value)
{
	for (;;) {
		union {
			request req;
			struct _pulse pulse;
		} msg;
		rcvid_t rcvid = MsgReceive(chid, &msg, sizeof msg, nullptr);
		if (rcvid == -1)
			FAIL("MsgReceive: %s", std::strerror(errno));
		if (rcvid == 0) {
			if (msg.pulse.code == CODE_QUIT) {
				*quit_value = msg.pulse.value.sival_long;
				return;
			}
			continue;
		}
		if (msg.req.type != MSG_UPPER) {
			MsgError(static_cast<int>(rcvid), ENOSYS);
			continue;
		}
		std::string s(msg.req.text);
		std::transform(
			s.begin(), s.end(), s.begin(), [](unsigned char c) {
				return static_cast<char>(std::toupper(c));
			});
		MsgReply(static_cast<int>(rcvid), static_cast<int>(s.size()),
			 s.c_str(), static_cast<int>(s.size() + 1));
	}
}

} // namespace

// QNX's struct dirent from C++: readdir and scandir of "/" (always has
// "." and ".."), d_namelen agreeing with the name.
void list_root()
{
	DIR *dir = opendir("/");
	if (!dir)
		FAIL("opendir /: %s", std::strerror(errno));
	int n = 0;
	while (struct dirent *dp = readdir(dir)) {
		if (dp->d_namelen != static_cast<int>(std::strlen(dp->d_name)))
			FAIL("%s: d_namelen %d", dp->d_name, dp->d_namelen);
		n++;
	}
	closedir(dir);
	struct dirent **list = nullptr;
	int m = scandir("/", &list, nullptr, alphasort);
	if (m != n || m < 2 || std::strcmp(list[0]->d_name, ".") != 0)
		FAIL("scandir /: %d entries of %d", m, n);
	for (int i = 0; i < m; i++)
		std::free(list[i]);
	std::free(list);
}

int main()
{
	list_root();
	int chid = ChannelCreate(0);
	if (chid == -1)
		FAIL("ChannelCreate: %s", std::strerror(errno));
	long quit_value = 0;
	std::thread server(serve, chid, &quit_value);

	int coid = ConnectAttach(ND_LOCAL_NODE, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1)
		FAIL("ConnectAttach: %s", std::strerror(errno));

	request req{};
	req.type = MSG_UPPER;
	strlcpy(req.text, "hello, qnx", sizeof req.text);
	char reply[32] = {};
	int status = MsgSend(coid, &req, sizeof req, reply, sizeof reply);
	if (status != 10 || std::strcmp(reply, "HELLO, QNX") != 0)
		FAIL("MsgSend gave %d \"%s\"", status, reply);

	req.type = MSG_UPPER + 1;
	if (MsgSend(coid, &req, sizeof req, reply, sizeof reply) != -1 ||
	    errno != ENOSYS)
		FAIL("unknown type: want ENOSYS, got %s", std::strerror(errno));

	if (MsgSendPulse(coid, 10, CODE_QUIT, 0x600d) == -1)
		FAIL("MsgSendPulse: %s", std::strerror(errno));
	server.join();
	if (quit_value != 0x600d)
		FAIL("pulse value %#lx, want 0x600d", quit_value);

	// QNX libc extensions from C++
	char buf[40];
	if (std::strcmp(itoa(-12, buf, 10), "-12") != 0 ||
	    std::strcmp(ultoa(255, buf, 16), "ff") != 0)
		FAIL("itoa family: %s", buf);
	if (stricmp("Neutrino", "NEUTRINO") != 0)
		FAIL("stricmp");
	if (ENDIAN_BE32(ENDIAN_BE32(0x01020304u)) != 0x01020304u ||
	    ENDIAN_RET16(0x1234) != 0x3412)
		FAIL("gulliver");
	if (std::min(3, 4) != 3 || std::max(3, 4) != 4 || __min(1, 2) != 1)
		FAIL("min/max");
	volatile unsigned flags = 1;
	atomic_set(&flags, 4);
	if (atomic_clr_value(&flags, 1) != 5 || flags != 4 || EOK != 0)
		FAIL("atomic.h/EOK");
	if (getprio(0) != 10)
		FAIL("getprio: %d", getprio(0));
	if (delay(1) != 0)
		FAIL("delay");
	if (sizeof(rcvid_t) != 8 || STATE_REPLY != 6 || _FTYPE_ANY != 0 ||
	    _IOMGR_PRIVATE_BASE != 0xf000)
		FAIL("QNX constants");
	int st = spawnlp(P_WAIT, "sh", "sh", "-c", "exit 4", nullptr);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 4)
		FAIL("spawnlp P_WAIT gave %d", st);

	ConnectDetach(coid);
	ChannelDestroy(chid);
	return 0;
}
