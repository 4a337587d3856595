package booking

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagRoundTrips(t *testing.T) {
	key := KeyOf("generic", "bk_123")
	for _, tt := range []struct {
		name string
		tag  Tag
	}{
		{"new form", Tag{Key: key, Gen: 1, Deployment: DeploymentTag("prod")}},
		{"a later room", Tag{Key: key, Gen: 987654 % 999999, Deployment: DeploymentTag("staging")}},
		{"old form", Tag{Key: key, Gen: 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{
				tt.tag.String(),
				"intro-" + tt.tag.String() + "-3f9a1c0e", // a Whereby room name
				"Intro call (" + tt.tag.String() + ")",   // a Zoom topic
				"Intro call\n\nroomkeeper " + tt.tag.String(),
			} {
				got, ok := ParseTag(name)
				require.True(t, ok, name)
				assert.Equal(t, tt.tag, got, name)
			}
		})
	}
}

func TestParseTagRefuses(t *testing.T) {
	key := KeyOf("generic", "bk_123")
	for _, name := range []string{
		"",
		"intro-3f9a1c0e",
		"xrk" + key + "g1",                 // glued to a word
		"rk" + key + "g",                   // no generation
		"rk" + key[:12] + "g1",             // a short key
		"rk" + key + "g1x",                 // a letter after the generation
		"rk" + key + "g1dabc",              // a short deployment, then a key character
		"rk" + key + "g1d" + "abcde" + "-", // a deployment one character too long
	} {
		_, ok := ParseTag(name)
		assert.False(t, ok, "%q", name)
	}
}

func TestDeploymentTag(t *testing.T) {
	a, b := DeploymentTag("prod"), DeploymentTag("staging")
	assert.Len(t, a, deploymentTagLen)
	assert.NotEqual(t, a, b)
	assert.Equal(t, a, DeploymentTag("prod"), "stable")
	assert.True(t, allKeyChars(a))
}

// TestTheOldParserRefusesNewTags: a build from before deployments had ids, still running beside
// a new one on the same provider account, must not take the new one's rooms for its own (its
// reaper would delete them). oldParseRoomTag is that build's parser, kept here verbatim.
func TestTheOldParserRefusesNewTags(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		tag := Tag{
			Key:        KeyOf("generic", strconv.Itoa(r.Int())),
			Gen:        1 + r.IntN(999999),
			Deployment: DeploymentTag(fmt.Sprint("d", r.IntN(100))),
		}
		for _, name := range []string{tag.String(), "intro-" + tag.String() + "-3f9a1c0e", "Intro call (" + tag.String() + ")"} {
			_, _, ok := oldParseRoomTag(name)
			require.False(t, ok, "case %d: the old parser reads %q", i, name)
		}
		old := Tag{Key: tag.Key, Gen: tag.Gen}.String()
		key, gen, ok := oldParseRoomTag("intro-" + old + "-3f9a1c0e")
		require.True(t, ok, "and still reads its own tags: %q", old)
		require.Equal(t, Tag{Key: key, Gen: gen}, Tag{Key: tag.Key, Gen: tag.Gen})
	}
}

// oldParseRoomTag is ParseRoomTag as it was before tags named their deployment.
func oldParseRoomTag(name string) (key string, gen int, ok bool) {
	for i := 0; i+2+keyLen+2 <= len(name); i++ {
		if name[i] != 'r' || name[i+1] != 'k' || (i > 0 && isKeyChar(name[i-1])) {
			continue
		}
		k := name[i+2 : i+2+keyLen]
		if !allKeyChars(k) || name[i+2+keyLen] != 'g' {
			continue
		}
		rest := name[i+2+keyLen+1:]
		n := 0
		for n < len(rest) && n < 6 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 || (n < len(rest) && isKeyChar(rest[n])) {
			continue
		}
		g, err := strconv.Atoi(rest[:n])
		if err != nil {
			continue
		}
		return k, g, true
	}
	return "", 0, false
}
