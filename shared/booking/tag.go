package booking

import (
	"crypto/sha256"
	"strconv"
	"strings"
)

// Tag is what roomkeeper writes into a provider room's name (Zoom: its topic; 24sessions: its
// description) so that the room can be recognised without the record: by a run that stopped
// after the provider made the room, by the reaper looking for rooms no record references, and by
// a provider's webhooks. It names the record (Key), the room's generation within the record
// (each replacement room gets the next) and the deployment that made it, so that several
// deployments — production, staging, a laptop — can share one provider account and each touch
// only its own rooms.
//
// Its text is "rk" + key + "g" + generation + "d" + deployment, such as
// "rkabcdefghijklmng1dwxyz". Tags made before deployments had ids lack the "d…" part: ParseTag
// reads them with Deployment "", and the reaper never deletes such a room. The old form's parser
// needs the generation's digits to be followed by a character that cannot be in a key, and "d"
// can, so a build from before that is still running cannot mistake a new tag for one of its own.
type Tag struct {
	Key        string // the record's key (KeyOf)
	Gen        int    // the room's generation, 1 for a record's first room
	Deployment string // DeploymentTag of the deployment that made the room; "" in the old form
}

// String returns the tag's text.
func (t Tag) String() string {
	s := "rk" + t.Key + "g" + strconv.Itoa(t.Gen)
	if t.Deployment != "" {
		s += "d" + t.Deployment
	}
	return s
}

// deploymentTagLen is the number of base32 characters of a deployment in a tag: 20 bits, so two
// deployments sharing a provider account have a one in a million chance of looking alike.
const deploymentTagLen = 4

// maxGenDigits bounds the generation's digits that ParseTag reads, and MaxTagLen assumes.
const maxGenDigits = 6

// MaxTagLen is the longest tag MaxNamePrefix makes room for: one of a record's first 999 rooms.
const MaxTagLen = 2 + keyLen + 1 + 3 + 1 + deploymentTagLen

// DeploymentTag returns the short form of a deployment id (ROOMKEEPER_DEPLOYMENT) that tags
// carry: the first base32 characters of its SHA-256.
func DeploymentTag(deployment string) string {
	sum := sha256.Sum256([]byte("roomkeeper deployment\x00" + deployment))
	return keyEncoding.EncodeToString(sum[:])[:deploymentTagLen]
}

// ParseTag finds a roomkeeper tag in a provider room's name, in either form.
func ParseTag(name string) (Tag, bool) {
	for i := 0; i+2+keyLen+2 <= len(name); i++ {
		if name[i] != 'r' || name[i+1] != 'k' || (i > 0 && isKeyChar(name[i-1])) {
			continue
		}
		key := name[i+2 : i+2+keyLen]
		if !allKeyChars(key) || name[i+2+keyLen] != 'g' {
			continue
		}
		rest := name[i+2+keyLen+1:]
		n := 0
		for n < len(rest) && n < maxGenDigits && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		gen, err := strconv.Atoi(rest[:n])
		if n == 0 || err != nil {
			continue
		}
		rest = rest[n:]
		t := Tag{Key: key, Gen: gen}
		if strings.HasPrefix(rest, "d") && len(rest) >= 1+deploymentTagLen && allKeyChars(rest[1:1+deploymentTagLen]) {
			t.Deployment = rest[1 : 1+deploymentTagLen]
			rest = rest[1+deploymentTagLen:]
		}
		if rest != "" && isKeyChar(rest[0]) {
			continue
		}
		return t, true
	}
	return Tag{}, false
}
