/**
 * jpeg_vectors.ts — small JPEGs made by libjpeg-turbo 2.1.5's cjpeg, with djpeg's decoded pixels,
 * so the JPEG decoder is checked bit for bit against libjpeg-turbo (what PIL uses) in every mode
 * the fixtures do not cover. Source image: pattern(19, 13) from test_images.ts, written as a PPM.
 *
 *   prog420   cjpeg -quality 85 -sample 2x2 -progressive -restart 1   (DC/AC first + refine scans, restarts)
 *   base422   cjpeg -quality 85 -sample 2x1                            (h2v1 fancy upsampling)
 *   base440   cjpeg -quality 85 -sample 1x2 -optimize                  (h1v2 fancy upsampling, optimized tables)
 *   grayprog  cjpeg -quality 85 -grayscale -progressive                (one component)
 *
 * `pixels` is `djpeg -pnm` output without its header: RGB (or gray for grayprog), row-major.
 */

export const JPEG_VECTORS: Record<string, { jpeg: string; pixels: string; gray: boolean }> = {
  prog420: {
    gray: false,
    jpeg:
      "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJC" +
      "IeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wgARCAAN" +
      "ABMDASIAAhEBAxEB/8QAFwABAQEBAAAAAAAAAAAAAAAABgAEB//EABYBAQEBAAAAAAAAAAAAAAAAAAUDBv/dAAQAAv/aAAwDAQACEAMQAAABFL" +
      "F2mRwy6zGbv//EABoQAAIDAQEAAAAAAAAAAAAAAAAEAQIDESH/3QAEAAP/2gAIAQEAAQUCxRMUSEfP/9DFehivQhenP//EABoRAAICAwAAAAAA" +
      "AAAAAAAAAAACBREBAwb/3QAEAAL/2gAIAQMBAT8BhZ1tlGOiaj//xAAiEQAAAgoDAAAAAAAAAAAAAAAABQECBBIUMVFTYoGRoeH/2gAIAQIBAT" +
      "8BaDdYlyf1LmohE3OvR//EABYQAQEBAAAAAAAAAAAAAAAAAAAxEP/dAAQAA//aAAgBAQAGPwKIj//Q3//EABcQAQEBAQAAAAAAAAAAAAAAAAAh" +
      "ETH/2gAIAQEAAT8hXkyP/9CdOxn/3QAEAAL/2gAMAwEAAgADAAAAEFzP/8QAGBEAAwEBAAAAAAAAAAAAAAAAAAERITH/2gAIAQMBAT8Q6ZqE7G" +
      "f/xAAZEQEAAgMAAAAAAAAAAAAAAAARAAFxseH/2gAIAQIBAT8QY5NjgEt5v//EABsQAAEEAwAAAAAAAAAAAAAAAAAxQVGhgcHx/90ABAAD/9oA" +
      "CAEBAAE/EEdDiGEQf//QYKGChINB/9k=",
    pixels:
      "AAIZCAMZFgQUJgUQOAQIRgUJUQUSWAA+dgilfgLSigLelwPfqAHVuALRyAPN2wii3AA57AYS8wkUBhIiDRMfHRQZLRUVPRQSSxUTVxYcXg9Iex" +
      "mugxPbjhTjnBPlrBLiuxLdzBTY3xmq4Q5B8hUa+RgeBycmDikiHSoYLSsWPCkaSiofViskXSRNeC+0gSndiyvkmSroqCnsuCjpxivf2zCw4CNJ" +
      "8yoj+SwnBTwlDT0jGz8ZK0AZOj0eSD4jUkElWTpMdkS3fz7giUHhlkHkpT/rtD7qw0Hh2Eaz3zhM8T8l+UEpBVMjDFQiGlQiKVUkOFMmRVUmUF" +
      "kgWVJKdVq5flXiiFjflVndpFjfslfgwFng11203k9J8VYg+FgkA2kgCmojGGkmJ2olNWokQ2siT24eV2ZHdm+1fmngimzcl23Zpm3YtGzYw23c" +
      "13Gy3WRH72we9m4iA34kCn8mF4AkJoEiNYIcRIMbUIQgWXtIe4SvhH3akn7foH7dr37XvX/UyoDV3Iat33pG74Ef9oQjAI1JBo9JFJBKIpBHM5" +
      "JBQJFCT5FHW41cfZyXiZitl5myppiytZiuw5ir0Jqq4J2X3YtZ65BJ8ZNLEK2mFrCoJbCpNLGrQq6uUq6tYq6qcbGWaaJbd6ZIh6dGlqZEp6RH" +
      "tKNJwKZJzaJd8bCc+6+z/7K1CL3OEMDPHsHQK8HQPL7WTb3VXr3TbsSraLtHd8IficIbmsAbqb0euL0ixMAhzrpJ68Kw877c+8DgA9XWC9fWF9" +
      "rUJdrTNdnSR9bUWdTZa9qwZtNGeNgci9Yjm9QjrNIjutMgxtUgztBI6Nqz7tff9NniA+raCu3cF+7fJe7cNO7XRuzWWenfa++2Z+dKe+wgjuon" +
      "n+gnr+civegfyeoh0OVM6PC17e3h9e7kB/rcDvziGv3sKP3rNvzhSP3eXPvfbv+3a/ZRfvookvopo/kmsvgbwPoczPol1PRR6/+38P3h+f/l",
  },
  base422: {
    gray: false,
    jpeg:
      "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJC" +
      "IeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wAARCAAN" +
      "ABMDASEAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhBy" +
      "JxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT" +
      "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAA" +
      "AAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRom" +
      "JygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExc" +
      "bHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDxXRfA3T9z+les6L4G+7+5/SvoOC86/wB51/k/9uPT4W4g+DX+" +
      "tCeHwN+7X9z29KK/DHnWu5/QMOIPdWp6povh2x+Xj9K09F8O2Py8fpX0Pitj6v8As/8A2/8A+2n8L8AZnW0+R6ZF4dsfLXjt6UV9I8wq3P2iGZ" +
      "1uVH//2Q==",
    pixels:
      "AwEXCwEaHAAgKQAiMwMdQgQdVAEfXABJcweyfQHdkADengDdpgHXtAPYxQHf2gW13QBJ7wIg9wQiBRQZDRQcHhEiKxMjNhUeRRYeVxUhXw1Ldx" +
      "qzgBPekhPgoBPeqxXZtxXayRPh3hi34Q1K8hQh+RcjBCsYDCsbHSkfKiogNSwdRC0dViweXiVIdjGwfyvbkSnenyndqizYtizZyCrf3S+14CRH" +
      "8Sse+C4iA0AXDEAaHD0eKj8gNUEbREIbVUEeXTlHdUawfz/bkD7enj7dqUDYtUHYxz/d3ESz3zlH8UAe90MgBVUaDlUdHlIhLFQiNVYdRFgdV1" +
      "YgYE5KdVuyf1XdklPgoFPfqVbatlbbx1Xg3Fm2305J8VYg+VgiBGoXDWoaHmcgK2giNWsdQ2wdVmsgXmJJdXCyfmrdkWjen2jdqWvatWvax2rf" +
      "3G6132NJ8Gsg+W0iA4EWDIEZHX4fKn8hNYIcRIMbVYIdXXlGdYevf4DakH/dnn/cqYHXtoLXx4De3IS033lI8YEf+IQhBZQYDpQbIJIhLJIiOJ" +
      "YeRpYdWJUeYI1Id5qwgZPbk5LeoJLdq5TYuJXZyZPf3pe14YxJ85Qg+pciAKvZC6zaHavZLavbN6vaRavcVavaabGwaqVHfqsdjKwbmqsepawe" +
      "tKsexqse0aRH6rCv8Kzd96/fBL3cD77dIL3cMLzdO73dSL3gV77da8OzbLhLgL4fkL4enr4fqL0guL0iyr0f1bdJ68Kw8b7d+cDhAdTbDNXcHt" +
      "XZLdTaONXcRtXdVtXcatuwa89If9Qej9UbndUeqNYet9UfydQe1M1I69qv8dbd99jeAOzYC+3ZHezYLOvZN+zbRezbVezbafGvauZGfuscje0a" +
      "muwdp+0dtusdyOsd0+VF6vGu8O3a9u/cA/3aDv7bIP3aL/zbOfzaSP3eVv7bav+xa/hJfvwcj/4cnf0dp/0et/0gyf0f1PZH6v+v8P7b+f/e",
  },
  base440: {
    gray: false,
    jpeg:
      "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJC" +
      "IeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wAARCAAN" +
      "ABMDARIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABwj/xAAiEAAABAYCAwAAAAAAAAAAAAAABQYjAgMEISKhQVETMTL/xAAWAQEBAQAAAA" +
      "AAAAAAAAAAAAAHBQP/xAAjEQAABAYBBQAAAAAAAAAAAAAAAQIDBAUHIaLiVAYREiI0/9oADAMBAAIRAxEAPwAVJUN6Z0K0JU7Q420N4mUL5OGw" +
      "MZLUV21jBISob5Z0G4lTtDjbQgRNc18fPULcl6vct7GBiShm4WeOhWcpO0Pjhtx0JCpQvv8AThsEVmorvgVjH//Z",
    pixels:
      "AAYQBwUSFgQSJQUSMwUQQgYQUQURXAQSbwPTewPWjAPXmQPWpQPTtQPTxQPV0gPX3gUQ6gYT9wcUAhUbDRQcHRMcKxQcORQbSBUaWBUcZBQddB" +
      "TagBTckBTenhTcqxTbuhTayhTb1xTd5RQa8RYe/RYeASoiDCkkHSgkLCkkOCkiRyoiWSokZCkjcCzbfCzdjivenCvdqCzctizaxiza0yzc5Ckg" +
      "8Soj/iomAD8kDD4lHDwlKz0lOD4kRj8jWD4lYjwlbkHcekHejEDgmkDepkHdtEHcxEHb0UHe4z0j8T4n/T8nAVUhDFQiG1MiKlQiOFQhR1UgV1" +
      "UiYlUhblbge1bhi1bimlbhp1bftFbexVbg0Vbi5FQf8FYi/FYkAGsfCmogGWoeKGogNmsdRWseVWweX2oecWngfWrgjWrinGngqWrft2rex2rf" +
      "02rh4moc7mwg+mwiAIEdCoAfGn8fKYAfNoAdRYEdVYEfYIAfeH3bhH3dlX3dpHzdsH3avn3bzn3a233d4oAd7oIg+oIhAJBIBo9JF49IJY5JM5" +
      "FHQJBHUpBHXY9IfZewiZeym5eyqZaytZevw5ew1Zew4Zey3Y9F65BJ95BLCq6wFq6zJ66yNa+yQq6wUK6uYK6wba6ybaRGeaRIiqRJmaRIpaRH" +
      "s6RFw6RH0KVH7q6v+q+z/6+1Ar7bD77dIL3eLr3dO77cSL7aWr3cZ73eb8AdfMAfjb8gm78fpr8dtcAcx78e078e5bza873d/77eANbfCtbhGt" +
      "bhKdXfNdbeQ9bdU9beYNbgcNYbfNYejNYfmtYeptccttYbxtYd0tYf4dbe7djh+tbiAOvhCuvjGuvlKevjNuviROvhVOviYOvkc+khf+kjj+kl" +
      "nekkquoiuekhyeki1ekl4evi7e3l+uvkAP3gDf3iHf3jLPziN/zgRv3fVv3hY/3jdfongfkmkvopofkorfklu/olzPom2Pop4/ze7/3j/f3j",
  },
  grayprog: {
    gray: true,
    jpeg:
      "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJC" +
      "IeJBweHx7/wgALCAANABMBAREA/8QAFgABAQEAAAAAAAAAAAAAAAAABgME/9oACAEBAAAAARSyirSm/8QAGhAAAgMBAQAAAAAAAAAAAAAAAAQB" +
      "AgMRIf/aAAgBAQABBQLFExRIR8xXoYr0IXpz/8QAFhABAQEAAAAAAAAAAAAAAAAAMQAg/9oACAEBAAY/AiIx/8QAFxABAQEBAAAAAAAAAAAAAA" +
      "AAACERMf/aAAgBAQABPyFeTIzp2M//2gAIAQEAAAAQT//EABsQAAEEAwAAAAAAAAAAAAAAAAAxQVGhgcHx/9oACAEBAAE/EEdDiGEQMFDBQkGg" +
      "/9k=",
    pixels:
      "BAcLEBQZHSA7P0RIS1BVWUdMUBATFxwgJSotR0tQVFhcYWVTWFwdICQpLTI3OlRYXWFlaW5yYGVpKSwwNTk+Q0VgZGltcXV6fmxxdTY5PUJGS1" +
      "BTbXF2en6Ch4t5foJCRUlOUldcXnl9goaKjpOXhYqOT1JWW19kaWuGio+Tl5ugpJKXm1teY2dscHV4kpabn6OnrLCeo6d9gYaLjpKXm4mNkpaa" +
      "nqOnwcbKiY2Slpqeo6eVmZ6ipaqvs8zR1Zaan6Onq7C0oqarr7O3vMDa3+Kjp6ywtLi9wa+zuLzAxMnN5+zvrrK3u77DyMy6vcPHys/U2PH2+g" +
      "==",
  },
};
