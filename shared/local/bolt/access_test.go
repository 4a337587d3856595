package bolt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/access/accesstest"
)

func TestAccessStoreContract(t *testing.T) {
	accesstest.Run(t, func(t *testing.T) accesstest.Opened {
		path := filepath.Join(t.TempDir(), "roomkeeper.db")
		s := mustOpen(t, path)
		return accesstest.Opened{Store: s, Dump: func(t *testing.T) string {
			t.Helper()
			raw, err := os.ReadFile(path) // bbolt writes every committed page to the file
			require.NoError(t, err)
			return string(raw)
		}}
	})
}

func TestPurgeDeletesExpiredSessionsAuditEntriesAndCounters(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "roomkeeper.db"))
	old := access.SessionRecord{IDHash: strings.Repeat("1", 64), Operator: "ada", Expires: now}
	live := access.SessionRecord{IDHash: strings.Repeat("2", 64), Operator: "ada", Expires: now.Add(time.Hour)}
	require.NoError(t, s.PutSession(ctx, old))
	require.NoError(t, s.PutSession(ctx, live))
	require.NoError(t, s.AddAuditEntry(ctx, access.AuditRecord{Entry: access.Entry{At: now, Action: "room.create"}, Position: "a"}, now))
	require.NoError(t, s.AddAuditEntry(ctx, access.AuditRecord{Entry: access.Entry{At: now, Action: "room.delete"}, Position: "b"}, now.Add(time.Hour)))
	_, err := s.AddFailure(ctx, "client", now.Add(-time.Hour), time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.AddOperator(ctx, access.OperatorRecord{Operator: access.Operator{Name: "ada", Role: access.Viewer}}))

	n, err := s.Purge(ctx, now.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 3, n, "the expired session, audit entry and counter")
	_, err = s.GetSession(ctx, live.IDHash)
	assert.NoError(t, err)
	entries, _, err := s.AuditEntries(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "room.delete", entries[0].Action)
	f, err := s.Failures(ctx, "client")
	require.NoError(t, err)
	assert.Zero(t, f.Count)
	_, err = s.GetOperator(ctx, "ada")
	assert.NoError(t, err, "operators never expire")
}
