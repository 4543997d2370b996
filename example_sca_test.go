package mangopay_test

import (
	"fmt"
	"log"

	"github.com/scaforge/mangopay"
)

// The hosted SCA page in the platform's colours (PrimaryThemeColour and
// PrimaryButtonColour, set on the Client beforehand) and in French.
func ExampleAppendReturnURL() {
	link := "https://sca.mangopay.com?token=0193d02f30df7a188c51cf890a191d21" // PendingUserAction.RedirectUrl
	to, err := mangopay.AppendReturnURL(link, "https://platform.example/sca/done",
		mangopay.WithLang("fr"), mangopay.WithPrimaryThemeColour(), mangopay.WithPrimaryButtonColour())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(to)
	// Output: https://sca.mangopay.com?token=0193d02f30df7a188c51cf890a191d21&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone&lang=fr&primary=true&cta=true
}
