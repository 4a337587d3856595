//go:build ignore

// The line above keeps the go tool from treating this file as cgo source (it is built by
// invitetest.CheckICS with cc, not by go build).
/*
 * libical_check parses each iCalendar file named on its command line with libical
 * (icalparser_parse_string), applies the RFC 5546 iTIP presence rules for the calendar's METHOD
 * (icalrestriction_check, libical's design-data/restrictions.csv), and prints every X-LIC-ERROR
 * the parser or the check attached, de-duplicated, one per line as "<index>: <error>", where
 * <index> is the file's position among the arguments, counting from 0.
 *
 * Exit status: 0 when no file has an error, 1 when any has, 2 when a file cannot be read.
 * Built with cc against libical-dev and run by invitetest.CheckICS (validators.go).
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 512

static const char *seen[MAX_SEEN];
static int nseen;

/* report prints msg for file index i unless it was printed for that file already. */
static void report(int i, const char *msg)
{
	for (int k = 0; k < nseen; k++)
		if (strcmp(seen[k], msg) == 0)
			return;
	if (nseen < MAX_SEEN)
		seen[nseen++] = strdup(msg);
	printf("%d: %s\n", i, msg);
}

/* walk reports the X-LIC-ERROR properties of c and of all its subcomponents. */
static int walk(icalcomponent *c, int i)
{
	int errors = 0;
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		const char *msg = icalproperty_get_xlicerror(p);
		report(i, msg != NULL ? msg : "X-LIC-ERROR without text");
		errors++;
	}
	for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k != NULL;
	     k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		errors += walk(k, i);
	return errors;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap + 1);
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			char *grown = realloc(buf, cap + 1);
			if (grown == NULL)
				free(buf);
			buf = grown;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/* check returns the number of errors found in the calendar text. */
static int check(const char *text, int i)
{
	icalcomponent *root = icalparser_parse_string(text);
	if (root == NULL) {
		report(i, "libical found no iCalendar object");
		return 1;
	}
	int errors = 0;
	if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
		report(i, "the top-level component is not a single VCALENDAR");
		errors++;
	} else if (icalcomponent_get_first_property(root, ICAL_METHOD_PROPERTY) == NULL) {
		report(i, "VCALENDAR has no METHOD, so no iTIP rules apply");
		errors++;
	} else if (icalcomponent_count_components(root, ICAL_VEVENT_COMPONENT) == 0) {
		report(i, "VCALENDAR has no VEVENT");
		errors++;
	}
	icalrestriction_check(root);
	errors += walk(root, i);
	icalcomponent_free(root);
	return errors;
}

int main(int argc, char **argv)
{
	icalerror_set_errors_are_fatal(0);
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		char *text = read_file(argv[i]);
		if (text == NULL) {
			fprintf(stderr, "libical_check: cannot read %s\n", argv[i]);
			return 2;
		}
		for (int k = 0; k < nseen; k++)
			free((void *)seen[k]);
		nseen = 0;
		if (check(text, i - 1) > 0)
			failed = 1;
		free(text);
	}
	return failed;
}
