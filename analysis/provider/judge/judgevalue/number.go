package judgevalue

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Number is a float shown with four significant digits, which is all a reader
// of a p-value or an effect needs and keeps the text short. JSON has no
// infinities: an effect against a baseline of zero is the string "+Inf".
type Number float64

// significantDigits is how many digits a Number keeps.
const significantDigits = 4

// MarshalJSON implements json.Marshaler.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', significantDigits, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(data []byte) error {
	var f float64
	if err := json.Unmarshal(data, &f); err == nil {
		*n = Number(f)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("judge value: %s is not a number", data)
	}
	switch s {
	case "NaN":
		*n = Number(math.NaN())
	case "+Inf":
		*n = Number(math.Inf(1))
	case "-Inf":
		*n = Number(math.Inf(-1))
	default:
		return fmt.Errorf("judge value: %q is not a number", s)
	}
	return nil
}

// String formats like MarshalJSON, without quotes.
func (n Number) String() string {
	return strconv.FormatFloat(float64(n), 'g', significantDigits, 64)
}

// numberOrNil is nil for NaN (a value the judge could not compute), so it is
// left out of the record rather than written as "NaN".
func numberOrNil(f float64) *Number {
	if math.IsNaN(f) {
		return nil
	}
	n := Number(f)
	return &n
}
