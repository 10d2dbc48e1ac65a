/*
 * The "state reconstruction example" of the QNX guide's chapter on the
 * client recovery library, copied unchanged except for REMOTEFILE, which
 * names a file under the file server (ntosim-filesrv -p /fs): the recovery
 * function re-opens with ha_reopen and seeks back to the checkpointed
 * offset. fd2 is a plain open(), so it is not recovered. Kill and restart
 * the server during its sleep(18) to watch it recover (see docs/libha.md).
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <ha/cover.h>
#define REMOTEFILE "/fs/remote_file"
typedef struct handle {
	int nr;
	int curr_offset;
} Handle;
int recover_conn(int oldfd, void *hdl)
{
	int newfd;
	int newfd2;
	Handle *thdl;
	thdl = (Handle *)hdl;
	printf("recovering for fd %d inside function\n", oldfd);
	/* re-open the file */
	newfd = ha_reopen(oldfd, REMOTEFILE, O_RDONLY);
	/* re-construct state, by seeking to the correct offset. */
	if (newfd >= 0)
		lseek(newfd, thdl->curr_offset, SEEK_SET);
	(thdl->nr)++;
	return (newfd);
}
int main(int argc, char *argv[])
{
	int status;
	int fd;
	int fd2;
	int fd3;
	Handle hdl;
	char buf[80];
	int i;
	hdl.nr = 0;
	hdl.curr_offset = 0;
	/* open a connection */
	fd = ha_open(REMOTEFILE, O_RDONLY, recover_conn, (void *)&hdl, 0);
	if (fd < 0) {
		printf("could not open file\n");
		exit(-1);
	}
	fd2 = open(REMOTEFILE, O_RDONLY);
	printf("trying to read from file using fd %d\n", fd);
	printf("before sleeping first time\n");
	status = read(fd, buf, 15);
	if (status < 0)
		printf("error: %s\n", strerror(errno));
	else {
		for (i = 0; i < status; i++)
			printf("%c", buf[i]);
		printf("\n");
		/*
		update state of the connection
		this is a kind of checkpointing method.
		we remember state, so that the recovery functions
		have an easier time.
		*/
		hdl.curr_offset += status;
	}
	fd3 = ha_dup(fd);
	sleep(18);
	/*
	sleep for some arbitrary period
	this could be some other computation
	or some other blocking operation, which gives
	a window within which the server might fail
	*/
	/* reading from dup-ped fd */
	printf("trying to read from file using fd %d\n", fd);
	printf("after sleeping\n");
	/*
	if the read initially fails
	it will recover, re-open and seek to the right spot!!
	*/
	status = read(fd, buf, 15);
	if (status < 0)
		printf("error: %s\n", strerror(errno));
	else {
		for (i = 0; i < status; i++)
			printf("%c", buf[i]);
		printf("\n");
		hdl.curr_offset += status;
	}
	printf("trying to read from file using fd %d\n", fd2);
	/*
	try it again.. this time using the copy.
	recovery will again happen upon failure,
	automatically re-connecting/seeking etc.
	*/
	status = read(fd2, buf, 15);
	if (status < 0)
		printf("error: %s\n", strerror(errno));
	else {
		for (i = 0; i < status; i++)
			printf("%c", buf[i]);
		printf("\n");
	}
	printf("total recoveries, %d\n", hdl.nr);
	ha_close(fd);
	close(fd2);
	exit(0);
}
