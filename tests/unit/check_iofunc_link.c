/*
 * The iofunc pathname helpers' permission rules and link counting, called
 * directly with explicit client credentials (the compat tests run as root,
 * where most refusals cannot show): iofunc_unlink (plain, rmdir, sticky
 * directories), iofunc_mknod, iofunc_readlink, iofunc_link, iofunc_rename,
 * plus iofunc_pathconf and iofunc_fdinfo. No messages, no ipcd needed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <sys/iofunc.h>

#include "tests/unit/fixture.h"

#define USER  1000
#define OTHER 2000

static iofunc_mount_t mnt;

static struct _client_info who(uid_t uid)
{
	struct _client_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.cred.ruid = ci.cred.euid = uid;
	ci.cred.rgid = ci.cred.egid = uid;
	return ci;
}

static void node(iofunc_attr_t *a, mode_t mode, uid_t owner)
{
	struct _client_info ci = who(owner);

	iofunc_attr_init(a, mode, NULL, &ci);
	a->mount = &mnt;
	if (S_ISDIR(mode))
		a->nlink = 2;
}

static void conn(struct _io_connect *c, unsigned subtype, mode_t mode,
		 unsigned eflag)
{
	memset(c, 0, sizeof(*c));
	c->type = _IO_CONNECT;
	c->subtype = (uint16_t)subtype;
	c->mode = mode;
	c->eflag = (uint8_t)eflag;
}

static void setup(void)
{
	memset(&mnt, 0, sizeof(mnt));
}

START_TEST(test_unlink)
{
	iofunc_attr_t dir, f, sub;
	io_unlink_t m;
	struct _client_info user = who(USER), other = who(OTHER);

	node(&dir, S_IFDIR | 0755, USER);
	node(&f, S_IFREG | 0644, USER);
	conn(&m.connect, _IO_CONNECT_UNLINK, 0, 0);
	/* no write permission on the directory */
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &other), EACCES);
	ck_assert_int_eq(f.nlink, 1);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &user), EOK);
	ck_assert_int_eq(f.nlink, 0);
	ck_assert(f.flags & IOFUNC_ATTR_DIRTY_NLINK);
	ck_assert(dir.flags & IOFUNC_ATTR_MTIME);
	/* a broken count, a NULL attr, a parent that is no directory */
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &user), EBADFSYS);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, NULL, &dir, &user), EBADFSYS);
	node(&f, S_IFREG | 0644, USER);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &f, &user), EBADFSYS);

	/* sticky: only the file's or the directory's owner */
	node(&dir, S_IFDIR | S_ISVTX | 0777, 0);
	node(&f, S_IFREG | 0644, USER);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &other), EPERM);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &user), EOK);

	/* directories: unlink needs IOFUNC_PC_LINK_DIR (and root) */
	node(&dir, S_IFDIR | 0777, USER);
	node(&sub, S_IFDIR | 0777, USER);
	dir.nlink = 3;
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), EPERM);
	/* rmdir: the checks on the message */
	conn(&m.connect, _IO_CONNECT_UNLINK, S_IFDIR, 0);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &f, &dir, &user), ENOTDIR);
	conn(&m.connect, _IO_CONNECT_UNLINK, S_IFDIR, _IO_CONNECT_EFLAG_DOT);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), EINVAL);
	conn(&m.connect, _IO_CONNECT_UNLINK, S_IFDIR,
	     _IO_CONNECT_EFLAG_DOT | _IO_CONNECT_EFLAG_DOTDOT);
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), EEXIST);
	conn(&m.connect, _IO_CONNECT_UNLINK, S_IFDIR, 0);
	sub.nlink = 3;
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), ENOTEMPTY);
	sub.nlink = 2;
	mnt.flags = _MOUNT_READONLY;
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), EROFS);
	mnt.flags = 0;
	ck_assert_int_eq(iofunc_unlink(NULL, &m, &sub, &dir, &user), EOK);
	ck_assert_int_eq(sub.nlink, 0);
	ck_assert_int_eq(dir.nlink, 2); /* its ".." went with it */
}
END_TEST

START_TEST(test_mknod)
{
	iofunc_attr_t dir, f;
	io_mknod_t m;
	struct _client_info user = who(USER), other = who(OTHER), root = who(0);

	node(&dir, S_IFDIR | 0755, USER);
	node(&f, S_IFREG | 0644, USER);
	conn(&m.connect, _IO_CONNECT_MKNOD, S_IFDIR | 0755, 0);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &dir, &user), EOK);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, &f, &dir, &user), EEXIST);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &dir, &other), EACCES);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &f, &user), EBADFSYS);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, NULL, &user), EBADFSYS);
	conn(&m.connect, _IO_CONNECT_MKNOD, S_IFCHR | 0600, 0);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &dir, &user), EPERM);
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &dir, &root), EOK);
	conn(&m.connect, _IO_CONNECT_MKNOD, S_IFIFO | 0600, 0);
	mnt.flags = _MOUNT_READONLY;
	ck_assert_int_eq(iofunc_mknod(NULL, &m, NULL, &dir, &user), EROFS);
}
END_TEST

START_TEST(test_readlink_link)
{
	iofunc_attr_t dir, f, ln, sub;
	io_readlink_t r;
	io_link_t l;
	struct _client_info user = who(USER), other = who(OTHER), root = who(0);

	node(&dir, S_IFDIR | 0755, USER);
	node(&f, S_IFREG | 0644, USER);
	node(&ln, S_IFLNK | 0700, USER);
	conn(&r.connect, _IO_CONNECT_READLINK, S_IFLNK, 0);
	ck_assert_int_eq(iofunc_readlink(NULL, &r, NULL, &user), ENOENT);
	ck_assert_int_eq(iofunc_readlink(NULL, &r, &f, &user), EINVAL);
	ck_assert_int_eq(iofunc_readlink(NULL, &r, &ln, &other), EACCES);
	ck_assert_int_eq(iofunc_readlink(NULL, &r, &ln, &user), EOK);

	conn(&l.connect, _IO_CONNECT_LINK, 0, 0);
	ck_assert_int_eq(iofunc_link(NULL, &l, &f, &dir, &other), EACCES);
	ck_assert_int_eq(f.nlink, 1);
	ck_assert_int_eq(iofunc_link(NULL, &l, &f, &dir, &user), EOK);
	ck_assert_int_eq(f.nlink, 2);
	ck_assert_int_eq(iofunc_link(NULL, &l, NULL, &dir, &user), EOK);
	/* hard links to directories: root, with IOFUNC_PC_LINK_DIR */
	node(&sub, S_IFDIR | 0755, USER);
	ck_assert_int_eq(iofunc_link(NULL, &l, &sub, &dir, &root), EPERM);
	mnt.conf = IOFUNC_PC_LINK_DIR;
	ck_assert_int_eq(iofunc_link(NULL, &l, &sub, &dir, &user), EPERM);
	ck_assert_int_eq(iofunc_link(NULL, &l, &sub, &dir, &root), EOK);
	mnt.flags = _MOUNT_READONLY;
	ck_assert_int_eq(iofunc_link(NULL, &l, &f, &dir, &user), EROFS);
}
END_TEST

START_TEST(test_rename)
{
	iofunc_attr_t d1, d2, f, g, sub, full;
	iofunc_mount_t other_mnt;
	io_rename_t m;
	struct _client_info user = who(USER), other = who(OTHER);

	node(&d1, S_IFDIR | 0755, USER);
	node(&d2, S_IFDIR | 0755, OTHER);
	node(&f, S_IFREG | 0644, USER);
	node(&g, S_IFREG | 0644, USER);
	node(&sub, S_IFDIR | 0755, USER);
	node(&full, S_IFDIR | 0755, USER);
	full.nlink = 3;
	conn(&m.connect, _IO_CONNECT_RENAME, 0, 0);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, NULL, &d1, &user),
			 EOK);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, NULL, &d1, &other),
			 EACCES);
	/* into a directory the caller may not write */
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, NULL, &d2, &user),
			 EACCES);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, &sub, &d1, &user),
			 EISDIR);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &sub, &d1, &g, &d1, &user),
			 ENOTDIR);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &sub, &d1, &full, &d1, &user),
			 ENOTEMPTY);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &sub, &d1, NULL, &sub, &user),
			 EINVAL);
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, &f, &d1, &user), EOK);
	ck_assert_int_eq(iofunc_rename(NULL, &m, NULL, &d1, NULL, &d1, &user),
			 EBADFSYS);
	memset(&other_mnt, 0, sizeof(other_mnt));
	g.mount = &other_mnt;
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, &g, &d1, &user),
			 EXDEV);
	mnt.flags = _MOUNT_READONLY;
	ck_assert_int_eq(iofunc_rename(NULL, &m, &f, &d1, NULL, &d1, &user),
			 EROFS);
}
END_TEST

START_TEST(test_pathconf_fdinfo)
{
	resmgr_context_t ctx;
	iofunc_attr_t f;
	iofunc_ocb_t ocb;
	io_pathconf_t pc;
	struct _fdinfo fi;

	memset(&ctx, 0, sizeof(ctx));
	node(&f, S_IFREG | 0644, USER);
	f.nbytes = 1234;
	f.count = 2;
	f.rcount = 1;
	memset(&ocb, 0, sizeof(ocb));
	ocb.attr = &f;
	ocb.ioflag = O_APPEND | _IO_FLAG_RD;
	ocb.offset = 99;
	mnt.conf = IOFUNC_PC_NO_TRUNC | IOFUNC_PC_SYNC_IO;
	memset(&pc, 0, sizeof(pc));
	pc.i.name = _PC_NAME_MAX;
	ck_assert_int_eq(iofunc_pathconf(&ctx, &pc, &ocb, &f), EOK);
	ck_assert_int_eq(ctx.status, NAME_MAX);
	pc.i.name = _PC_NO_TRUNC;
	ck_assert_int_eq(iofunc_pathconf(&ctx, &pc, &ocb, &f), EOK);
	ck_assert_int_eq(ctx.status, 1);
	pc.i.name = _PC_CHOWN_RESTRICTED;
	ck_assert_int_eq(iofunc_pathconf(&ctx, &pc, &ocb, &f), EOK);
	ck_assert_int_eq(ctx.status, 0);
	pc.i.name = _PC_SYNC_IO;
	ck_assert_int_eq(iofunc_pathconf(&ctx, &pc, &ocb, &f), EOK);
	ck_assert_int_eq(ctx.status, 1);
	pc.i.name = -5;
	ck_assert_int_eq(iofunc_pathconf(&ctx, &pc, &ocb, &f), EINVAL);

	ck_assert_int_eq(iofunc_fdinfo(&ctx, &ocb, &f, &fi), EOK);
	ck_assert_uint_eq(fi.mode, S_IFREG | 0644);
	ck_assert_uint_eq(fi.ioflag, O_APPEND | _IO_FLAG_RD);
	ck_assert_uint_eq(fi.offset, 99);
	ck_assert_uint_eq(fi.size, 1234);
	ck_assert_uint_eq(fi.count, 2);
	ck_assert_uint_eq(fi.rcount, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iofunc_link");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_unlink);
	tcase_add_test(tc, test_mknod);
	tcase_add_test(tc, test_readlink_link);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_pathconf_fdinfo);
	suite_add_tcase(s, tc);
	return nto_test_main(s);
}
