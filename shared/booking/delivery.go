package booking

import (
	"crypto/sha256"
	"slices"
)

// KeptDeliveries is how many of the latest deliveries applied to a record it remembers
// (Booking.Deliveries).
const KeptDeliveries = 4

// deliveryHash is what a record keeps of a delivery id: 65 bits of its SHA-256, as a key is.
func deliveryHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return keyEncoding.EncodeToString(sum[:])[:keyLen]
}

// Delivered reports whether the delivery with the id is one of the latest applied to b.
func (b *Booking) Delivered(id string) bool {
	return slices.Contains(b.Deliveries, deliveryHash(id))
}

// NoteDelivery records that the delivery with the id was applied to b, forgetting the oldest
// beyond KeptDeliveries.
func (b *Booking) NoteDelivery(id string) {
	h := deliveryHash(id)
	if slices.Contains(b.Deliveries, h) {
		return
	}
	b.Deliveries = append(b.Deliveries, h)
	if n := len(b.Deliveries); n > KeptDeliveries {
		b.Deliveries = slices.Clone(b.Deliveries[n-KeptDeliveries:])
	}
}
